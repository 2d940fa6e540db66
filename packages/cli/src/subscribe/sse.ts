import { parseCursor } from '@herald/protocol';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { authHeaders, hubUrl } from '../http.ts';
import type { IncomingMessage, Session } from './session.ts';
import { type Connect, closeEnding, type Ending, httpEnding } from './transport.ts';

/**
 * `--transport sse`: Server-Sent Events (contract section 4) over fetch + eventsource-parser.
 *
 * Why not the `eventsource` package: an EventSource only hands out events whose name it was told in
 * advance, and messages carry any event name. Why `/v1/events?channel=`: its `data:` is the whole
 * message (with `time`), where the per-channel stream sends `data` alone; with one channel its ids are
 * plain `<epoch>:<offset>` cursors, so Last-Event-ID resumes exactly as on the per-channel URL.
 */
export const connectSse: Connect = async (session, target) => {
  const headers: Record<string, string> = { accept: 'text/event-stream', ...authHeaders(target.apiKey) };
  if (session.cursor !== undefined) headers['last-event-id'] = session.cursor;
  const url = hubUrl(target.url, `/v1/events?channel=${encodeURIComponent(session.channel)}`);
  const res = await fetch(url, { headers, signal: session.stop.signal });
  if (!res.ok || res.body === null) return httpEnding(res);
  session.connected('sse');
  let retryMs: number | undefined;
  let ending: Ending | undefined;
  const parser = createParser({
    onRetry: (ms) => {
      retryMs = ms;
    },
    onEvent: (event) => {
      ending ??= handleEvent(session, event);
    },
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    while (ending === undefined && !session.done) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const end = ending ?? { advice: 'now', reason: 'the stream ended' };
  // An EventSource waits `retry` before reconnecting; do the same when asked to reconnect at once.
  return end.advice === 'now' ? { ...end, delayMs: retryMs } : end;
};

function handleEvent(session: Session, event: EventSourceMessage): Ending | undefined {
  if (event.event === 'herald.close') {
    const close = JSON.parse(event.data) as { code: number; reason: string };
    return closeEnding(close.code, close.reason);
  }
  if (event.event === 'herald.subscribed') {
    // Where delivery starts, as NDJSON's first line says it.
    session.position((JSON.parse(event.data) as { cursor: string }).cursor);
    return undefined;
  }
  const position = event.id === undefined ? undefined : parseCursor(event.id);
  if (event.event === 'herald.reset') {
    const reset = JSON.parse(event.data) as { epoch: string; from: number };
    session.reset(reset.epoch, reset.from);
    return undefined;
  }
  const message = JSON.parse(event.data) as IncomingMessage;
  session.message(message, typeof position === 'object' ? position.epoch : undefined);
  return undefined;
}
