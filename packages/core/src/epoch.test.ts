import { EPOCH_PATTERN } from '@herald/protocol';
import { describe, expect, it } from 'vitest';
import { newEpoch } from './epoch.ts';

describe('newEpoch', () => {
  it('gives 8 url-safe characters, never the same twice, across refills of its random pool', () => {
    const epochs = Array.from({ length: 1000 }, newEpoch);
    for (const epoch of epochs) {
      expect(epoch).toMatch(EPOCH_PATTERN);
      expect(epoch).toHaveLength(8);
    }
    expect(new Set(epochs).size).toBe(epochs.length);
  });
});
