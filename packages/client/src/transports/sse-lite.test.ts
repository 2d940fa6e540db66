import { describe, expect, it } from 'vitest';
import type { SseEvent } from '../platform.ts';
import { liteSseParser } from './sse-lite.ts';
import { eventsourceParser } from './sse-parser.ts';

const STREAMS = [
  ': hi\n\nretry: 2000\n\nid: e1:1\ndata: {"a":1}\n\n:\n\n',
  'event: herald.reset\nid: e2:4\ndata: {"from":5}\n\nevent: herald.close\ndata: {"code":4100}\n\n',
  'data: line one\r\ndata: line two\r\n\r\ndata:no space\r\rdata:  two spaces\r\r',
  'data\n\ndata:\ndata:\n\nid\ndata: x\n\nfoo: bar\nevent\ndata: y\n\nid: a\0b\ndata: z\n\n',
  'data: unterminated at the end',
  'event: e\ndata: a\nid: 7\n\n\n\ndata: b\n\n',
  'data: a\u2028b\u0085c\ndata x\ndata :y\ndata: a:b\n\n',
];

/** Runs a parser over `chunks` and records what it reports, in order. */
function run(factory: typeof liteSseParser, chunks: string[]): Array<SseEvent | 'other'> {
  const out: Array<SseEvent | 'other'> = [];
  const feed = factory(
    (e) => out.push({ event: e.event, data: e.data, id: e.id }),
    () => out.push('other'),
  );
  for (const chunk of chunks) feed(chunk);
  return out;
}

/** Splits `text` at pseudo-random points (seeded: failures are reproducible). */
function chunked(text: string, seed: number): string[] {
  let s = seed;
  const next = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const chunks: string[] = [];
  let i = 0;
  while (i < text.length) {
    const n = 1 + Math.floor(next() * 6);
    chunks.push(text.slice(i, i + n));
    i += n;
  }
  return chunks;
}

describe('the browser SSE parser', () => {
  it('agrees with eventsource-parser, whole and split at every kind of boundary', () => {
    for (const text of STREAMS) {
      const expected = run(eventsourceParser, [text]);
      expect(run(liteSseParser, [text])).toEqual(expected);
      for (let seed = 1; seed <= 40; seed++) {
        const chunks = chunked(text, seed);
        expect(run(liteSseParser, chunks), JSON.stringify(chunks)).toEqual(run(eventsourceParser, chunks));
      }
      expect(run(liteSseParser, [...text])).toEqual(run(eventsourceParser, [...text]));
    }
  });

  it('reads multi-line data, CR line ends and comments', () => {
    expect(run(liteSseParser, ['data: a\rdata: b\r\r: beat\n', 'id: x\nevent: e\ndata: c\n\n'])).toEqual([
      { event: undefined, data: 'a\nb', id: undefined },
      'other',
      { event: 'e', data: 'c', id: 'x' },
    ]);
  });
});
