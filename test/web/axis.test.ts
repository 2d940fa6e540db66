import { describe, expect, it } from 'vitest';
import type { AxisUnit } from '../../web/src/lib/axis.ts';
import { axisTop, BYTES, COUNT, MILLIS, RATE, stepAtLeast, tickLabels, valueLabel } from '../../web/src/lib/axis.ts';

/** The ticks a chart draws from 0 to `top`, `step` apart. */
function ticks(top: number, step: number): number[] {
  const out: number[] = [];
  for (let i = 0; i * step <= top * (1 + 1e-9); i++) out.push(i * step);
  return out;
}

/** The labels of an axis showing values up to `max`, with a step giving about `n` ticks. */
function axis(unit: AxisUnit, max: number, n = 5): string[] {
  const top = axisTop(unit, max);
  const step = stepAtLeast(unit, top / n);
  return tickLabels(unit, ticks(top, step), step);
}

describe('dashboard axes', () => {
  it('an empty chart starts at 0 and goes up, never below', () => {
    for (const unit of [COUNT, RATE, MILLIS, BYTES]) {
      expect(axisTop(unit, 0)).toBeGreaterThan(0);
      const labels = axis(unit, 0);
      expect(labels[0]).toBe('0');
      expect(labels.some((l) => l.startsWith('-'))).toBe(false);
    }
    expect(axis(BYTES, 0)).toEqual(['0', '500 B', '1000 B']);
  });

  it('labels a step apart always differ, in the step own unit (no "1 MB, 1 MB, 1 MB")', () => {
    const cases: Array<[AxisUnit, number]> = [
      [BYTES, 96 * 1024 * 1024],
      [BYTES, 1.2 * 1024 * 1024],
      [BYTES, 3_100],
      [BYTES, 7.5 * 1024 ** 3],
      [RATE, 0.3],
      [RATE, 37],
      [RATE, 52_000],
      [COUNT, 3],
      [COUNT, 12_345],
      [MILLIS, 0.04],
      [MILLIS, 2_400],
    ];
    for (const [unit, max] of cases) {
      for (const n of [2, 3, 5, 8]) {
        const labels = axis(unit, max, n);
        expect(new Set(labels).size, `${max} / ${n}: ${labels.join(', ')}`).toBe(labels.length);
        expect(labels.some((l) => l.startsWith('-'))).toBe(false);
      }
    }
    expect(axis(BYTES, 96 * 1024 * 1024, 6)).toEqual(['0', '20 MB', '40 MB', '60 MB', '80 MB', '100 MB', '120 MB']);
    expect(axis(RATE, 0.3)).toEqual(['0', '0.1', '0.2', '0.3', '0.4']);
  });

  it('the top clears the highest value, on a round number', () => {
    expect(axisTop(RATE, 37)).toBe(40);
    expect(axisTop(RATE, 40)).toBe(50);
    expect(axisTop(COUNT, 8)).toBe(10);
    expect(axisTop(BYTES, 90 * 1024 * 1024)).toBe(100 * 1024 * 1024);
    expect(axisTop(BYTES, 96 * 1024 * 1024)).toBe(120 * 1024 * 1024);
    expect(axisTop(COUNT, 0.4)).toBe(1);
  });

  it('legend values use the unit that suits them', () => {
    expect(valueLabel(BYTES, 0)).toBe('0 B');
    expect(valueLabel(BYTES, 2_800)).toBe('2.7 kB');
    expect(valueLabel(BYTES, 127 * 1024 * 1024)).toBe('127 MB');
    expect(valueLabel(RATE, 16)).toBe('16');
    expect(valueLabel(RATE, 7.3)).toBe('7.3');
    expect(valueLabel(MILLIS, 0.2)).toBe('0.2 ms');
  });
});
