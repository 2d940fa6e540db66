import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Message } from '@herald/core';
import { drained } from '../transports/drained.ts';
import { READ_BYTES, SSE_LIFETIME_MS, type StreamsContext } from './context.ts';
import { H, isTextType, nextCursor } from './headers.ts';
import { cursorOf } from './long-poll.ts';
import type { StreamMeta } from './meta.ts';
import { formatOffset } from './offsets.ts';
import { isJsonStream, pageBytes, pageJson } from './streams.ts';
import { type StreamWait, waitForChange } from './wait.ts';

/** Line breaks of any kind: each line of a payload becomes its own `data:` line, so no payload can end an event. */
const LINE_BREAK = /\r\n|\r|\n/;

/**
 * `live=sse` (protocol 5.7): catch-up from `index`, then every new write, each `data` event followed by
 * a `control` event with the next offset and a cursor (`upToDate` once caught up). A closed stream
 * ends with a control event carrying `streamClosed` and no cursor. Text and JSON streams are sent as
 * they are; any other content type in base64 (`Stream-SSE-Data-Encoding: base64`). The answer ends
 * after about a minute; the client reconnects from the last offset.
 */
export async function sse(
  c: StreamsContext,
  req: IncomingMessage,
  res: ServerResponse,
  channel: string,
  first: StreamMeta,
  start: { index: number; clamp: boolean },
): Promise<void> {
  const { streams, server } = c;
  const release = server.limits.holdConnection(server.limits.address(req));
  const base64 = !isTextType(first.contentType);
  const headers: Record<string, string> = {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  };
  if (base64) headers[H.sseEncoding] = 'base64';
  res.writeHead(200, headers);
  res.flushHeaders();
  let wait: StreamWait | undefined;
  const onClose = (): void => wait?.cancel();
  res.on('close', onClose);
  const stop = { cancel: () => wait?.cancel() };
  server.polls.add(stop);
  const heartbeat = setInterval(() => res.write(':\n\n'), server.options.streamHeartbeatMs);
  heartbeat.unref();
  try {
    await streams.touch(channel, first);
    const deadline = Date.now() + SSE_LIFETIME_MS;
    const cursor = cursorOf(req);
    let index = start.index;
    let clamp = start.clamp;
    let sentControl = false;
    while (!res.destroyed && !server.draining()) {
      wait = await waitForChange(streams, channel, deadline - Date.now(), 'sse');
      const meta = await streams.live(channel);
      const page = await streams.page(channel, meta, index, READ_BYTES, clamp);
      clamp = false;
      index = page.next;
      const upToDate = page.next >= page.tail;
      if (page.messages.length > 0) await write(res, dataEvent(meta, page.messages, base64));
      if (meta.closed && upToDate) {
        await write(res, controlEvent({ streamNextOffset: formatOffset(index), streamClosed: true }));
        break;
      }
      if (page.messages.length > 0 || !sentControl) {
        const control: Record<string, unknown> = {
          streamNextOffset: formatOffset(index),
          streamCursor: nextCursor(cursor),
        };
        if (upToDate) control.upToDate = true;
        await write(res, controlEvent(control));
        sentControl = true;
      }
      if (!upToDate) continue;
      if (!(await wait.settled)) break;
    }
  } catch {
    // A stream deleted or gone while it was read: the answer just ends; the client's next request says why.
  } finally {
    clearInterval(heartbeat);
    wait?.cancel();
    res.off('close', onClose);
    server.polls.delete(stop);
    release();
    res.end();
  }
}

/** One `data` event: JSON as one array, text line by line, bytes in base64. */
function dataEvent(meta: StreamMeta, messages: readonly Message[], base64: boolean): string {
  let payload: string;
  if (isJsonStream(meta)) payload = pageJson(messages);
  else if (base64) payload = pageBytes(messages).toString('base64');
  else payload = pageBytes(messages).toString('utf8');
  let out = 'event: data\n';
  for (const line of payload.split(LINE_BREAK)) out += `data:${line}\n`;
  return `${out}\n`;
}

function controlEvent(control: Record<string, unknown>): string {
  return `event: control\ndata:${JSON.stringify(control)}\n\n`;
}

/** Writes and waits for the socket to drain when its buffer is full (a slow reader holds the loop, not memory). */
async function write(res: ServerResponse, text: string): Promise<void> {
  if (res.destroyed) return;
  if (res.write(text)) return;
  await drained(res, false);
}
