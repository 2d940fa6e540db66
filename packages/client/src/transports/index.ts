import { HeraldError } from '../errors.ts';
import type { Platform } from '../platform.ts';
import { parseTransports } from './names.ts';
import { TRANSPORTS, type TransportFactory, type TransportName } from './types.ts';

/** The factory of each transport on this platform, or undefined where the platform or the entry lacks it. */
export function transportFactory(name: TransportName, platform: Platform): TransportFactory | undefined {
  return platform.kit[name]?.(platform);
}

/**
 * The requested transports (default: all, best first) that this platform can run. Throws when a name
 * is unknown (naming it, see parseTransports) or when none of them can run here (naming them).
 */
export function usableTransports(requested: readonly unknown[] | undefined, platform: Platform): TransportName[] {
  const names = requested === undefined ? TRANSPORTS : parseTransports(requested);
  const usable = names.filter((t) => transportFactory(t, platform));
  if (usable.length === 0) {
    throw new HeraldError('unsupported', `no requested transport works here (asked: ${names.join(', ') || 'none'})`);
  }
  return usable;
}
