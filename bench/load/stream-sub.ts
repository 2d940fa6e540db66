// Streaming subscribers over one HTTP response: Server-Sent Events (contract section 4, parsed
// with eventsource-parser; Nchan's EventSource subscriber frames the same way) and NDJSON
// (section 5: one JSON object a line, found by its {"t": mark without a JSON parse).
import { request } from 'node:http';
import { createParser } from 'eventsource-parser';
import type { Transport } from '../lib/ipc.ts';
import type { Closable, OpenSpec } from './open-spec.ts';
import type { Tally } from './tally.ts';
import { sentAtFromString } from './timestamp.ts';

type Feed = (chunk: string) => void;

function sseFeed(tally: Tally, slot: number): Feed {
  const parser = createParser({
    onEvent: (event) => {
      const sentAt = sentAtFromString(event.data);
      if (!Number.isNaN(sentAt)) tally.deliver(slot, sentAt);
    },
  });
  return (chunk) => parser.feed(chunk);
}

function ndjsonFeed(tally: Tally, slot: number): Feed {
  let carry = '';
  return (chunk) => {
    const lines = (carry + chunk).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      const sentAt = sentAtFromString(line);
      if (!Number.isNaN(sentAt)) tally.deliver(slot, sentAt);
    }
  };
}

const ACCEPT: Record<'sse' | 'ndjson', string> = { sse: 'text/event-stream', ndjson: 'application/x-ndjson' };

/** Resolves once a 200 answer has started; rejects otherwise. */
function openStream(kind: 'sse' | 'ndjson', spec: OpenSpec): Promise<Closable> {
  const { url, localAddress, timeoutMs, tally } = spec;
  return new Promise((resolve, reject) => {
    const transport: Transport = kind;
    const slot = tally.slot(transport);
    const meter = tally.meter(transport);
    // agent: false = one dedicated socket per stream, as a browser's EventSource has.
    const req = request(url, { headers: { accept: ACCEPT[kind] }, agent: false, localAddress });
    req.on('socket', (socket) => meter.watch(socket));
    const timer = setTimeout(() => req.destroy(new Error(`${kind} connect timeout`)), timeoutMs);
    let isOpen = false;
    req.on('response', (res) => {
      clearTimeout(timer);
      if (res.statusCode !== 200) {
        res.resume();
        req.destroy();
        reject(new Error(`${kind} answered ${res.statusCode}`));
        return;
      }
      isOpen = true;
      tally.opened();
      const feed = kind === 'sse' ? sseFeed(tally, slot) : ndjsonFeed(tally, slot);
      res.setEncoding('utf8');
      res.on('data', feed);
      res.on('close', () => tally.closed(res.complete ? `${kind} ended` : `${kind} aborted`));
      resolve({ close: () => req.destroy() });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      if (!isOpen) reject(err);
    });
    req.end();
  });
}

export const openSse = (spec: OpenSpec): Promise<Closable> => openStream('sse', spec);
export const openNdjson = (spec: OpenSpec): Promise<Closable> => openStream('ndjson', spec);
