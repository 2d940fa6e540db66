import { compileChannelPattern, isChannelName, matchesAny } from '@herald/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Properties of channel patterns in token claims (contract section 7).
const RUN = { seed: 20_251_128, numRuns: 3_000 } as const;
/** A small alphabet, so that patterns and channels actually meet. */
const pattern = fc.string({ unit: fc.constantFrom('a', 'b', ':', '.', '*'), minLength: 1, maxLength: 12 });
const channel = fc.string({ unit: fc.constantFrom('a', 'b', ':', '.'), minLength: 1, maxLength: 14 });

/** Reference semantics: `*` is any run of characters (empty included), the rest literal. Plain DP. */
function reference(p: string, text: string): boolean {
  const m = p.length;
  const n = text.length;
  let row = new Array<boolean>(n + 1).fill(false);
  row[0] = true;
  for (let i = 1; i <= m; i++) {
    const next = new Array<boolean>(n + 1).fill(false);
    const star = p[i - 1] === '*';
    next[0] = star && (row[0] as boolean);
    for (let j = 1; j <= n; j++) {
      next[j] = star
        ? (row[j] as boolean) || (next[j - 1] as boolean)
        : (row[j - 1] as boolean) && p[i - 1] === text[j - 1];
    }
    row = next;
  }
  return row[n] as boolean;
}

describe('compileChannelPattern', () => {
  it('never throws, and refuses exactly the patterns with characters outside channel names and *', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const compiled = compileChannelPattern(text);
        expect(compiled === undefined).toBe(!/^[A-Za-z0-9_.:@*-]{1,256}$/.test(text));
      }),
      RUN,
    );
  });

  it('matches exactly what the reference wildcard semantics match', () => {
    fc.assert(
      fc.property(pattern, channel, (p, c) => {
        expect(compileChannelPattern(p)?.test(c)).toBe(reference(p, c));
      }),
      RUN,
    );
  });

  it('a pattern without * matches only itself', () => {
    fc.assert(
      fc.property(channel, channel, (p, c) => {
        expect(compileChannelPattern(p)?.test(c)).toBe(p === c);
      }),
      RUN,
    );
  });

  it('prefix:* grants every channel under the prefix, and nothing that only shares the prefix text', () => {
    fc.assert(
      fc.property(channel, channel, (prefix, rest) => {
        const p = compileChannelPattern(`${prefix}:*`);
        expect(p?.test(`${prefix}:${rest}`)).toBe(true);
        expect(p?.test(prefix)).toBe(false);
      }),
      RUN,
    );
  });

  it('stays fast on patterns built to backtrack (no ReDoS through a token claim)', () => {
    const evil = fc
      .array(fc.constantFrom('*a', '*', 'a*', '*:', 'a'), { minLength: 20, maxLength: 120 })
      .map((parts) => `${parts.join('')}*b`.slice(0, 256));
    fc.assert(
      fc.property(evil, (p) => {
        const compiled = compileChannelPattern(p);
        const started = performance.now();
        for (let i = 0; i < 10; i++) compiled?.test('a'.repeat(128));
        expect(performance.now() - started).toBeLessThan(50);
      }),
      { ...RUN, numRuns: 300 },
    );
    const worst = compileChannelPattern(`${'*a'.repeat(126)}*b`);
    const started = performance.now();
    expect(worst?.test('a'.repeat(128))).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('a granted pattern never lets an invalid channel name through matchesAny by itself', () => {
    fc.assert(
      fc.property(fc.array(pattern, { maxLength: 5 }), fc.string({ maxLength: 20 }), (ps, c) => {
        const compiled = ps.map(compileChannelPattern).filter((p) => p !== undefined);
        // Matching is pure string logic; names are validated before it (documented order of checks).
        if (matchesAny(compiled, c) && !isChannelName(c)) expect(ps.some((p) => p.includes('*'))).toBe(true);
      }),
      RUN,
    );
  });
});
