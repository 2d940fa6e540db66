// One Server-Sent Events subscriber (contract section 4), parsed with eventsource-parser.
import { request } from 'node:http';
import { createParser } from 'eventsource-parser';
import type { Tally } from './tally.ts';
import { sentAtFromString } from './timestamp.ts';
import type { Closable } from './ws-sub.ts';

/** Resolves once a 200 text/event-stream answer has started; rejects otherwise. */
export function openSse(url: string, localAddress: string, timeoutMs: number, tally: Tally): Promise<Closable> {
  return new Promise((resolve, reject) => {
    const slot = tally.slot();
    // agent: false = one dedicated socket per stream, as a browser's EventSource has.
    const req = request(url, { headers: { accept: 'text/event-stream' }, agent: false, localAddress });
    const timer = setTimeout(() => req.destroy(new Error('sse connect timeout')), timeoutMs);
    let isOpen = false;
    req.on('response', (res) => {
      clearTimeout(timer);
      if (res.statusCode !== 200) {
        res.resume();
        req.destroy();
        reject(new Error(`sse answered ${res.statusCode}`));
        return;
      }
      isOpen = true;
      tally.opened();
      const parser = createParser({
        onEvent: (event) => {
          const sentAt = sentAtFromString(event.data);
          if (!Number.isNaN(sentAt)) tally.deliver(slot, sentAt);
        },
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => parser.feed(chunk));
      res.on('close', () => tally.closed(res.complete ? 'sse ended' : 'sse aborted'));
      resolve({ close: () => req.destroy() });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      if (!isOpen) reject(err);
    });
    req.end();
  });
}
