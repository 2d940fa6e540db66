/**
 * The transport names, the one vocabulary of the docs, the CLI (`--transport`), the SDK
 * (`transports`, `state.transport`), stats, metrics labels and the dashboard. Best first, the order in
 * which the SDK tries them.
 */
export const TRANSPORT_NAMES = ['websocket', 'sse', 'ndjson', 'long-poll', 'poll'] as const;

/** A transport name. */
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/**
 * Spellings used before the names were unified (CLI `ws`/`stream`/`longpoll`, SDK `stream`/`longpoll`,
 * stats `ws`/`longpoll`). Still accepted where a user writes a name, with a deprecation warning.
 */
export const DEPRECATED_TRANSPORT_NAMES: Readonly<Record<string, TransportName>> = {
  ws: 'websocket',
  stream: 'ndjson',
  longpoll: 'long-poll',
};

/** What a written transport name means: the name, and the old spelling when one was used. */
export interface TransportLookup {
  readonly name: TransportName;
  readonly deprecated?: string;
}

/** Reads a transport name, current or deprecated; undefined for anything else. */
export function lookupTransport(value: string): TransportLookup | undefined {
  if ((TRANSPORT_NAMES as readonly string[]).includes(value)) return { name: value as TransportName };
  // hasOwn: `constructor` or `__proto__` must not look like a name.
  if (!Object.hasOwn(DEPRECATED_TRANSPORT_NAMES, value)) return undefined;
  return { name: DEPRECATED_TRANSPORT_NAMES[value] as TransportName, deprecated: value };
}

/** The message for names that are not transports: names them and lists the valid ones. */
export function unknownTransportsMessage(unknown: readonly string[]): string {
  const list = unknown.map((u) => `'${u}'`).join(', ');
  return `unknown transport${unknown.length > 1 ? 's' : ''} ${list}; valid: ${TRANSPORT_NAMES.join(', ')}`;
}

/** The warning for a deprecated spelling. */
export function deprecatedTransportMessage(old: string, name: TransportName): string {
  return `transport name '${old}' is deprecated: use '${name}' (it still works for now)`;
}
