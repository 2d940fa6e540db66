import { type Cursor, formatMultiCursor } from '@herald/protocol';
import { describe, expect, it } from 'vitest';
import { MultiCursor } from './multi-cursor.ts';

describe('MultiCursor', () => {
  it('says when every channel has started, and then gives the text formatMultiCursor gives, move after move', () => {
    const channels = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const cursor = new MultiCursor(channels);
    const expected: Cursor[] = channels.map(() => 'start');
    channels.forEach((_, i) => {
      expected[i] = { epoch: `e${i}`, offset: i };
      expect(cursor.start(i, `e${i}`, i)).toBe(i === channels.length - 1);
    });
    for (let n = 0; n < 500; n++) {
      const i = (n * 7919) % channels.length;
      const epoch = n % 50 === 0 ? `new${n}` : `e${i}`;
      expected[i] = { epoch, offset: n };
      expect(cursor.advance(`c${i}`, epoch, n)).toBe(formatMultiCursor(expected));
    }
  });

  it('counts a channel that reports its start twice once', () => {
    const cursor = new MultiCursor(['a', 'b']);
    expect(cursor.start(0, 'e', 1)).toBe(false);
    expect(cursor.start(0, 'e', 2)).toBe(false);
    expect(cursor.start(1, 'e', 3)).toBe(true);
    expect(cursor.advance('b', 'e', 4)).toBe('e:2,e:4');
  });
});
