import {
  deprecatedTransportMessage,
  lookupTransport,
  type TransportName,
  unknownTransportsMessage,
} from '@herald/protocol';
import { HeraldError } from '../errors.ts';

/** Old spellings already warned about in this page or process: a deprecation is said once, not per connect(). */
const warned = new Set<string>();

/**
 * The `transports` option as transport names: current names as given, old spellings (`ws`, `stream`,
 * `longpoll`) mapped with one `console.warn` each, duplicates dropped. Any other value throws a
 * `bad_request` HeraldError that names it and lists the valid names.
 */
export function parseTransports(requested: readonly unknown[]): TransportName[] {
  const names = new Set<TransportName>(); // in order, each once
  const unknown: string[] = [];
  for (const value of requested) {
    const found = typeof value === 'string' ? lookupTransport(value) : undefined;
    if (!found) {
      unknown.push(String(value));
      continue;
    }
    if (found.deprecated !== undefined && !warned.has(found.deprecated)) {
      warned.add(found.deprecated);
      // The one console use of the SDK: a deprecation is for the developer, whose console is where it is read.
      globalThis.console?.warn(`Herald: ${deprecatedTransportMessage(found.deprecated, found.name)}`);
    }
    names.add(found.name);
  }
  if (unknown.length > 0) throw new HeraldError('bad_request', unknownTransportsMessage(unknown));
  return [...names];
}

/** A transport name read back from storage (an old spelling stored by an earlier SDK counts), or undefined. */
export function storedTransport(value: string | null | undefined): TransportName | undefined {
  return lookupTransport(value ?? '')?.name; // '' names no transport
}
