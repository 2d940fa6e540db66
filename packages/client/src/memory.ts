import type { StorageLike } from './options.ts';
import { storedTransport } from './transports/names.ts';
import type { TransportName } from './transports/types.ts';

const KEY = 'herald.transport';

/** The transport that worked last in this session (sessionStorage in browsers), if any. */
export function recallTransport(storage: StorageLike | null): TransportName | undefined {
  try {
    return storedTransport(storage?.getItem(KEY));
  } catch {
    return undefined;
  }
}

/** Remembers the transport that works, so the next page load starts with it. */
export function rememberTransport(storage: StorageLike | null, name: TransportName): void {
  try {
    storage?.setItem(KEY, name);
  } catch {
    // Storage full or forbidden: remembering is an optimization only.
  }
}
