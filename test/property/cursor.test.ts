import {
  type Cursor,
  EPOCH_PATTERN,
  formatCursor,
  formatMultiCursor,
  MAX_CURSOR_LENGTH,
  parseCursor,
  parseMultiCursor,
} from '@herald/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Properties of the cursor parser (contract section 1: a bad cursor fails closed).
const RUN = { seed: 20_251_127, numRuns: 2_000 } as const;
const epoch = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/);
const position = fc.record({ epoch, offset: fc.maxSafeNat() });
const cursor: fc.Arbitrary<Cursor> = fc.oneof(fc.constant('start' as const), position);
/** Any text, cursor-like text weighted in. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom(...'Ab9_-:,0.e+- \n'.split('')), maxLength: 60 }),
  position.map(formatCursor),
);

describe('parseCursor', () => {
  it('never throws, and everything it accepts is canonical and valid', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const c = parseCursor(text);
        if (c === undefined) return;
        if (c === 'start') {
          expect(text).toBe('0');
          return;
        }
        expect(EPOCH_PATTERN.test(c.epoch)).toBe(true);
        expect(Number.isSafeInteger(c.offset) && c.offset >= 0).toBe(true);
        expect(text.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
        // Exactly one spelling per position: no leading zeros, signs, spaces or exponents slip through.
        expect(formatCursor(c)).toBe(text);
      }),
      RUN,
    );
  });

  it('reads back every position it formats', () => {
    fc.assert(
      fc.property(position, (p) => {
        expect(parseCursor(formatCursor(p))).toEqual(p);
      }),
      RUN,
    );
  });

  it('refuses offsets past 2^53 - 1 instead of rounding them', () => {
    fc.assert(
      fc.property(epoch, fc.bigInt({ min: 2n ** 53n, max: 10n ** 16n - 1n }), (e, offset) => {
        expect(parseCursor(`${e}:${offset}`)).toBeUndefined();
      }),
      RUN,
    );
  });

  it('refuses a valid cursor with any character outside the alphabet inserted', () => {
    const outsider = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 1 })
      .filter((ch) => !/[A-Za-z0-9_:-]/.test(ch));
    fc.assert(
      fc.property(position, outsider, fc.nat(), (p, ch, at) => {
        const text = formatCursor(p);
        const i = at % (text.length + 1);
        expect(parseCursor(`${text.slice(0, i)}${ch}${text.slice(i)}`)).toBeUndefined();
      }),
      RUN,
    );
  });
});

describe('multi-channel cursors', () => {
  it('round-trip for any number of channels, and refuse any other count', () => {
    fc.assert(
      fc.property(fc.array(cursor, { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 25 }), (list, count) => {
        const text = formatMultiCursor(list);
        expect(parseMultiCursor(text, list.length)).toEqual(list);
        if (count !== list.length) expect(parseMultiCursor(text, count)).toBeUndefined();
      }),
      RUN,
    );
  });

  it('never throw on any text and any count', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 0, max: 2_000 }), (text, count) => {
        const parsed = parseMultiCursor(text, count);
        if (parsed !== undefined) expect(parsed).toHaveLength(count);
      }),
      RUN,
    );
  });
});
