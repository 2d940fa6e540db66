import { type CloseEvent, SSE_EVENTS } from '@herald/protocol';

// The one writer of Herald's Server-Sent Events (contract section 4): the SSE transport and the stats
// stream. (Durable Streams' SSE is another protocol's format: durable-streams/sse.ts.)
// Event names and channel names are validated against patterns without CR/LF, cursors are
// `<epoch>:<offset>`, and `data` is compact JSON (JSON.stringify escapes CR and LF), so no field
// written here can inject SSE lines.

/** The content type of every Herald SSE answer. */
export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

/** A comment line: keeps proxies and the client's watchdog from timing the stream out. */
export const SSE_HEARTBEAT = ': hb\n\n';

/** One event: `id` and `event` lines when given, then `data` (one line of JSON). */
export function sseEvent(data: string, event?: string, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}${event === undefined ? '' : `event: ${event}\n`}data: ${data}\n\n`;
}

/** How long the browser waits before reconnecting, ms. */
export function sseRetry(ms: number): string {
  return `retry: ${ms}\n\n`;
}

/** The final `herald.close` event of a stream the hub ends (code and reason as on a WebSocket). */
export function sseClose(code: number, reason: string): string {
  return sseEvent(JSON.stringify({ code, reason } satisfies CloseEvent), SSE_EVENTS.close);
}
