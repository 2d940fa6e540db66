import { describe, expect, it } from 'vitest';
import { isJsonType, isTextType, mediaType, nextCursor, parseDecimal } from './headers.ts';
import { formatOffset, parseOffset } from './offsets.ts';

describe('Durable Streams offsets', () => {
  it('round-trips indexes and sorts as strings', () => {
    expect(formatOffset(0)).toBe('0000000000000000_0000000000000000');
    expect(parseOffset(formatOffset(42))).toEqual({ kind: 'index', index: 42 });
    expect(formatOffset(9) < formatOffset(10)).toBe(true);
  });

  it('takes the sentinels and refuses anything else', () => {
    expect(parseOffset('-1')).toEqual({ kind: 'start' });
    expect(parseOffset('now')).toEqual({ kind: 'now' });
    for (const bad of ['', '0', '0,1', '0 1', '../x', '0000000000000001_0000000000000000', `${formatOffset(1)}\n`]) {
      expect(parseOffset(bad), bad).toBeUndefined();
    }
    expect(parseOffset('0000000000000000_9999999999999999')).toBeUndefined(); // past 2^53
  });
});

describe('Durable Streams headers', () => {
  it('reads decimals without sign, leading zero, point or exponent', () => {
    expect(parseDecimal('0')).toBe(0);
    expect(parseDecimal('3600')).toBe(3600);
    for (const bad of ['', '00060', '+60', '60.5', '1e3', '-1', 'abc']) expect(parseDecimal(bad), bad).toBeUndefined();
  });

  it('compares media types without case or parameters', () => {
    expect(mediaType(' Application/JSON; charset=utf-8')).toBe('application/json');
    expect(isJsonType('application/json; charset=utf-8')).toBe(true);
    expect(isTextType('text/plain')).toBe(true);
    expect(isTextType('application/octet-stream')).toBe(false);
  });

  it('cursors never go back: a client holding the current interval gets a later one', () => {
    const now = Date.UTC(2026, 0, 1);
    const current = Number(nextCursor(undefined, now));
    expect(current).toBeGreaterThan(0);
    expect(Number(nextCursor(String(current - 5), now))).toBe(current);
    for (let i = 0; i < 20; i++) expect(Number(nextCursor(String(current), now))).toBeGreaterThan(current);
  });
});
