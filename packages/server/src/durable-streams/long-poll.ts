import type { IncomingMessage, ServerResponse } from 'node:http';
import { READ_BYTES, type StreamsContext } from './context.ts';
import { H, nextCursor } from './headers.ts';
import type { StreamMeta } from './meta.ts';
import { formatOffset } from './offsets.ts';
import { sendPage } from './read.ts';
import type { StreamWait } from './wait.ts';
import { waitForChange } from './wait.ts';

/**
 * `live=long-poll` (protocol 5.6): answers at once with data from `index` on, or holds the request
 * until a write (200), the stream's closure at the tail (204 + Stream-Closed) or the timeout (204).
 * Counts against the per-address long-poll limit; answered at shutdown.
 */
export async function longPoll(
  c: StreamsContext,
  req: IncomingMessage,
  res: ServerResponse,
  channel: string,
  first: StreamMeta,
  start: { index: number; clamp: boolean },
): Promise<void> {
  const { streams, server } = c;
  const release = server.limits.holdLongPoll(server.limits.address(req));
  let wait: StreamWait | undefined;
  const stop = { cancel: () => wait?.cancel() };
  server.polls.add(stop);
  const onClose = (): void => wait?.cancel();
  res.on('close', onClose);
  try {
    const deadline = Date.now() + server.options.longPollMaxMs;
    let index = start.index;
    let clamp = start.clamp;
    let meta = first;
    await streams.touch(channel, meta);
    for (;;) {
      wait = await waitForChange(streams, channel, deadline - Date.now(), 'long-poll');
      meta = await streams.live(channel);
      const page = await streams.page(channel, meta, index, READ_BYTES, clamp);
      if (page.messages.length > 0) {
        wait.cancel();
        sendPage(req, res, meta, page, { cursor: cursorOf(req) });
        return;
      }
      index = page.next;
      clamp = false;
      const atTail = page.next >= page.tail;
      if ((meta.closed && atTail) || res.destroyed || server.draining() || !(await wait.settled)) {
        wait.cancel();
        sendEmpty(req, res, page.next, meta.closed && atTail);
        return;
      }
    }
  } finally {
    wait?.cancel();
    res.off('close', onClose);
    server.polls.delete(stop);
    release();
  }
}

/** The `cursor` query parameter the client echoed (protocol 8.1). */
export function cursorOf(req: IncomingMessage): string | null {
  const q = req.url?.indexOf('?') ?? -1;
  return q === -1 ? null : new URLSearchParams(req.url?.slice(q + 1)).get('cursor');
}

/** 204: nothing new; where to continue, that the client is up to date, and whether the stream ended. */
function sendEmpty(req: IncomingMessage, res: ServerResponse, next: number, closed: boolean): void {
  if (res.destroyed || res.headersSent) return;
  const headers: Record<string, string> = {
    [H.nextOffset]: formatOffset(next),
    [H.upToDate]: 'true',
    [H.cursor]: nextCursor(cursorOf(req)),
    'cache-control': 'no-store',
  };
  if (closed) headers[H.closed] = 'true';
  res.writeHead(204, headers);
  res.end();
}
