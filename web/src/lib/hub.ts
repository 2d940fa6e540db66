import type { ConnectOptions, HeraldClient, HeraldError, StateEvent } from '@herald/client';
import { storedKey } from './key.ts';

/** What `<script src="/herald.js">` puts on `window`: pages use the built client, never its sources. */
export interface HeraldGlobal {
  connect(url: string, options?: ConnectOptions): HeraldClient;
  HeraldError: typeof HeraldError;
}

/** The SDK loaded by the layout; a clear error when the hub serves no bundle. */
export function sdk(): HeraldGlobal {
  const g = (globalThis as { Herald?: HeraldGlobal }).Herald;
  if (g === undefined) throw new Error('/herald.js did not load: build the client (npm run build)');
  return g;
}

/**
 * Connects to the hub that served this page, with the API key when the visitor gave one (pages that
 * publish ask for it after a 401), and shows the connection state in the header unless `badge` is false.
 */
export function connectHub(options: ConnectOptions = {}, { badge: show = true } = {}): HeraldClient {
  const token = storedKey();
  const client = sdk().connect(location.origin, token === undefined ? options : { token, ...options });
  const badge = show ? document.getElementById('connection') : null;
  if (badge !== null) {
    const render = (s: StateEvent): void => {
      badge.textContent = `${s.state} · ${s.transport}`;
      badge.dataset.state = s.state;
    };
    render(client.state);
    client.on('state', render);
  }
  return client;
}

/** True when a hub error means "credentials needed" (then the page asks for the API key). */
export function needsKey(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'unauthorized' || code === 'forbidden';
}
