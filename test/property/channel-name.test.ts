import { CHANNEL_PATTERN, isChannelName } from '@herald/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('isChannelName', () => {
  it('accepts exactly what CHANNEL_PATTERN accepts', () => {
    // Strings of the name alphabet (valid ones up to and past 128 characters), and with its neighbours mixed in.
    const valid = fc.string({ unit: fc.constantFrom(...'aZ09_.:@-'.split('')), maxLength: 140 });
    const near = fc.string({
      unit: fc.oneof(
        fc.constantFrom(...'aZ09_.:@-/ ?%#\u00e9\u2028'.split('')),
        fc.string({ unit: 'binary', maxLength: 1 }),
      ),
      maxLength: 140,
    });
    fc.assert(
      fc.property(fc.oneof(valid, near), (text) => {
        expect(isChannelName(text)).toBe(CHANNEL_PATTERN.test(text));
      }),
      { seed: 20_261_202, numRuns: 5_000 },
    );
  });

  it('takes names up to 128 characters, and nothing but strings', () => {
    expect(isChannelName('a'.repeat(128))).toBe(true);
    expect(isChannelName('a'.repeat(129))).toBe(false);
    expect(isChannelName('a\n')).toBe(false);
    expect(isChannelName('-a')).toBe(false);
    expect(isChannelName('')).toBe(false);
    expect(isChannelName(7)).toBe(false);
    expect(isChannelName(undefined)).toBe(false);
  });
});
