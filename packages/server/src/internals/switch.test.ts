import { afterEach, describe, expect, it } from 'vitest';
import { useInternals } from './switch.ts';

describe('useInternals', () => {
  const before = process.env.HERALD_NO_INTERNALS;
  afterEach(() => {
    if (before === undefined) delete process.env.HERALD_NO_INTERNALS;
    else process.env.HERALD_NO_INTERNALS = before;
  });

  it('is on unless HERALD_NO_INTERNALS=1, and the server option wins over the variable', () => {
    delete process.env.HERALD_NO_INTERNALS;
    expect(useInternals(undefined)).toBe(true);
    expect(useInternals(false)).toBe(false);
    process.env.HERALD_NO_INTERNALS = '1';
    expect(useInternals(undefined)).toBe(false);
    expect(useInternals(true)).toBe(true);
  });
});
