import { describe, expect, it } from 'vitest';
import { formatCursor, formatMultiCursor, parseCursor, parseMultiCursor } from './cursor.ts';

describe('parseCursor', () => {
  it('reads <epoch>:<offset> and 0', () => {
    expect(parseCursor('k3v9:42')).toEqual({ epoch: 'k3v9', offset: 42 });
    expect(parseCursor('a-b_C:0')).toEqual({ epoch: 'a-b_C', offset: 0 });
    expect(parseCursor('0')).toBe('start');
  });

  it.each([
    'abc',
    'E:-1',
    'E:1e309',
    'E:9007199254740993',
    'E:01',
    'E:1.5',
    ':5',
    'E:',
    'E: 1',
    'a:b:1',
    'x'.repeat(200),
    `${'e'.repeat(33)}:1`,
    'E:1\n',
  ])('refuses %j (fails closed, never a replay from the start)', (text) => {
    expect(parseCursor(text)).toBeUndefined();
  });

  it('round-trips what it formats', () => {
    for (const p of [
      { epoch: 'x', offset: 0 },
      { epoch: 'Ab_-9', offset: Number.MAX_SAFE_INTEGER },
    ]) {
      expect(parseCursor(formatCursor(p))).toEqual(p);
    }
  });
});

describe('multi-channel cursor', () => {
  it('is positional and round-trips', () => {
    const cursors = [{ epoch: 'a1', offset: 3 }, 'start' as const, { epoch: 'b2', offset: 0 }];
    const text = formatMultiCursor(cursors);
    expect(text).toBe('a1:3,0,b2:0');
    expect(parseMultiCursor(text, 3)).toEqual(cursors);
  });

  it('refuses a cursor for another number of channels or with a bad part', () => {
    expect(parseMultiCursor('a1:3,0', 3)).toBeUndefined();
    expect(parseMultiCursor('a1:3,zz', 2)).toBeUndefined();
  });
});
