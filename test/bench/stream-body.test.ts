// The bench's reader of SSE and NDJSON response bodies (bench/load/stream-sub.ts): every bench
// message is counted once with its send time, however the socket splits the chunk framing.
import { describe, expect, it } from 'vitest';
import { BodyReader } from '../../bench/load/stream-sub.ts';
import type { Tally } from '../../bench/load/tally.ts';

const sentTimes = [1000, 1000.5, 1001.125, 1002, 1003.75, 1004, 1005];
const event = (t: number, i: number): string => `id: e:${i}\ndata: {"t":${t},"pad":"${'x'.repeat(40)}"}\n\n`;
const chunk = (text: string, size = Buffer.byteLength(text).toString(16)): string => `${size}\r\n${text}\r\n`;

/** A chunked SSE body: one event per chunk, two events in one chunk, a chunk extension, upper-case hex, an event split over two chunks, then the last chunk. */
function chunkedBody(): Buffer {
  const events = sentTimes.map(event);
  const [e0, e1, e2, e3, e4, e5, e6] = events as [string, string, string, string, string, string, string];
  const heartbeat = ':\n\n';
  const split = e6.indexOf('"pad"');
  return Buffer.from(
    chunk('retry: 2000\n\n') +
      chunk(e0) +
      chunk(e1 + e2) +
      chunk(heartbeat) +
      `${Buffer.byteLength(e3).toString(16)};ext=abc\r\n${e3}\r\n` +
      chunk(e4, Buffer.byteLength(e4).toString(16).toUpperCase()) +
      chunk(e5) +
      chunk(e6.slice(0, split)) +
      chunk(e6.slice(split)) +
      '0\r\n\r\n',
  );
}

/** Feeds `parts` to a reader; the send times it found and whether it saw the last chunk. */
function read(chunked: boolean, parts: Buffer[]): { found: number[]; ended: boolean } {
  const found: number[] = [];
  const tally = { arrived: () => {}, deliverArrived: (_slot: number, sentAt: number) => found.push(sentAt) };
  const reader = new BodyReader(chunked, tally as unknown as Tally, 0);
  let ended = false;
  for (const part of parts) ended = reader.feed(part);
  return { found, ended };
}

describe('bench stream body reader', () => {
  it('finds every message of a chunked body split at any byte', () => {
    const body = chunkedBody();
    expect(read(true, [body])).toEqual({ found: sentTimes, ended: true });
    for (let cut = 1; cut < body.length; cut++) {
      expect(read(true, [body.subarray(0, cut), body.subarray(cut)])).toEqual({ found: sentTimes, ended: true });
    }
  });

  it('finds every message when the body arrives byte by byte', () => {
    const body = chunkedBody();
    const bytes = Array.from(body, (_, i) => body.subarray(i, i + 1));
    expect(read(true, bytes)).toEqual({ found: sentTimes, ended: true });
  });

  it('reads an NDJSON body that is not chunked', () => {
    const body = Buffer.from(sentTimes.map((t, i) => `{"t":${t},"offset":${i}}\n`).join(''));
    for (let cut = 1; cut < body.length; cut++) {
      expect(read(false, [body.subarray(0, cut), body.subarray(cut)])).toEqual({ found: sentTimes, ended: false });
    }
  });
});
