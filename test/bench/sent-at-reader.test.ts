// The bench's WebSocket subscribers read each frame's send time at the offset where the previous
// frame of the connection had it (bench/load/timestamp.ts): a frame whose mark moved, or that has
// none, must still read right.
import { describe, expect, it } from 'vitest';
import { SentAtReader } from '../../bench/load/timestamp.ts';

const frame = (id: string, t: number | undefined): Buffer =>
  Buffer.from(`{"channel":"fan","id":"${id}","data":${t === undefined ? '{"u":1}' : `{"t":${t},"pad":"xxxx"}`}}`);

/** The frames laid end to end in one buffer, as a socket chunk holds them, with their bounds. */
function chunkOf(frames: Buffer[]): { buf: Buffer; bounds: Array<[number, number]> } {
  const buf = Buffer.concat([Buffer.from('junk'), ...frames]);
  const bounds: Array<[number, number]> = [];
  let at = 4;
  for (const f of frames) {
    bounds.push([at, at + f.length]);
    at += f.length;
  }
  return { buf, bounds };
}

describe('SentAtReader', () => {
  it('reads every frame of a chunk, when the mark stays put, moves, or is missing', () => {
    const frames = [
      frame('9', 1000),
      frame('9', 1000.5), // same offset
      frame('10', 1001.125), // the id gained a digit: the mark moved one byte
      frame('11', 1002),
      frame('12', undefined), // no bench message
      frame('7', 1003.75), // moved back
    ];
    const { buf, bounds } = chunkOf(frames);
    const reader = new SentAtReader();
    const read = bounds.map(([start, end]) => reader.read(buf, start, end));
    expect(read.slice(0, 4)).toEqual([1000, 1000.5, 1001.125, 1002]);
    expect(read[4]).toBeNaN();
    expect(read[5]).toBe(1003.75);
  });

  it('does not read a mark past the frame it was given', () => {
    const { buf, bounds } = chunkOf([frame('1', 5), frame('2', 6)]);
    const reader = new SentAtReader();
    const [first, second] = bounds as [[number, number], [number, number]];
    expect(reader.read(buf, ...first)).toBe(5);
    // The second frame's first ten bytes: its mark lies at the remembered offset, past their end.
    expect(reader.read(buf, second[0], second[0] + 10)).toBeNaN();
    expect(reader.read(buf, ...second)).toBe(6);
  });

  it('reads every line of a range, the mark at a new offset in each', () => {
    const line = (id: string, t: number): string => `{"id":"${id}","data":{"t":${t},"pad":"${'x'.repeat(60)}"}}\n`;
    const reader = new SentAtReader();
    const first = Buffer.from(line('1000', 1));
    expect(reader.each(first, 0, first.length, () => undefined)).toBe(1);
    // The offset learnt above (a 4-digit id) is wrong for every line here.
    const lines = Buffer.from(line('7', 2) + line('77', 3) + line('77777', 4) + '{"u":1}\n' + line('7', 5));
    const found: number[] = [];
    expect(reader.each(lines, 0, lines.length, (t) => found.push(t))).toBe(4);
    expect(found).toEqual([2, 3, 4, 5]);
  });
});
