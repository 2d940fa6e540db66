/** What an Accept header asks the messages URLs for (contract section 3). */
export type Framing = 'json' | 'sse' | 'ndjson';

const ACCEPTS_JSON = /(?:^|[\s,])(?:\*\/\*|application\/\*|application\/json)/;

/** The framing `accept` asks for (none given = JSON); undefined = none this URL serves (a 406). */
export function framingOf(accept: string | undefined): Framing | undefined {
  if (accept === undefined) return 'json';
  if (accept.includes('text/event-stream')) return 'sse';
  if (accept.includes('application/x-ndjson')) return 'ndjson';
  return ACCEPTS_JSON.test(accept) ? 'json' : undefined;
}
