/**
 * Axis arithmetic for the dashboard's charts, free of the DOM so it can be tested alone: y axes start
 * at 0 and end on a round number, ticks are 1, 2 or 5 times a power of ten (of 1024 for bytes, so a
 * tick is a round number of its unit), and the labels of one axis always differ from each other.
 */

/** How the values of one axis are counted and written. */
export interface AxisUnit {
  /** Tick steps the chart may use, smallest first. */
  readonly steps: readonly number[];
  /** The unit's base (1000 for k/M, 1024 for kB/MB) and its names, smallest first. */
  readonly base: number;
  readonly names: readonly string[];
  /** The axis top when every value is 0 (an empty chart still shows a sensible scale). */
  readonly emptyTop: number;
}

/** 1, 2, 5 times each power of ten from 10^from to 10^to. */
export function decimalSteps(from: number, to: number): number[] {
  const steps: number[] = [];
  for (let e = from; e <= to; e++) for (const m of [1, 2, 5]) steps.push(Number((m * 10 ** e).toPrecision(1)));
  return steps;
}

/** 1, 2, 5 … 500 times each unit from bytes to GB. */
function byteSteps(): number[] {
  const steps: number[] = [];
  for (let k = 0; k <= 3; k++) for (const m of decimalSteps(0, 2)) steps.push(m * 1024 ** k);
  return steps;
}

/** Whole numbers (connections, subscriptions). */
export const COUNT: AxisUnit = { steps: decimalSteps(0, 9), base: 1000, names: ['', 'k', 'M', 'G'], emptyTop: 5 };
/** Rates, which come rounded to a tenth. */
export const RATE: AxisUnit = { steps: decimalSteps(-1, 9), base: 1000, names: ['', 'k', 'M', 'G'], emptyTop: 5 };
/** Milliseconds, which come rounded to a hundredth. */
export const MILLIS: AxisUnit = { steps: decimalSteps(-2, 6), base: 1000, names: [' ms', ' s'], emptyTop: 1 };
/** Bytes, in binary units named as the rest of the pages name them (format.ts). */
export const BYTES: AxisUnit = { steps: byteSteps(), base: 1024, names: [' B', ' kB', ' MB', ' GB'], emptyTop: 1024 };

/** The smallest step of `unit` that is at least `raw` (the largest one past the end). */
export function stepAtLeast(unit: AxisUnit, raw: number): number {
  return unit.steps.find((s) => s >= raw) ?? (unit.steps.at(-1) as number);
}

/**
 * The top of a zero-based axis showing values up to `max`: a multiple of a round step about a fifth
 * of the range, with a little headroom, so the highest line never touches the frame.
 */
export function axisTop(unit: AxisUnit, max: number): number {
  if (!(max > 0)) return unit.emptyTop;
  const step = stepAtLeast(unit, max / 5);
  return Math.ceil((max * 1.05) / step) * step;
}

/**
 * Labels for ticks `step` apart. The unit is the step's own (the largest whose 1 is not above the
 * step), so every label is a whole or exact decimal number of it and labels a step apart differ.
 */
export function tickLabels(unit: AxisUnit, ticks: readonly number[], step: number): string[] {
  let k = 0;
  while (k < unit.names.length - 1 && unit.base ** (k + 1) <= step) k++;
  const scale = unit.base ** k;
  const scaledStep = step / scale;
  const decimals = scaledStep >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(scaledStep) - 1e-9));
  return ticks.map((v) => (Math.abs(v) < step / 1e6 ? '0' : `${(v / scale).toFixed(decimals)}${unit.names[k]}`));
}

/** One value as a legend shows it: in the unit that suits the value itself, three significant digits at most. */
export function valueLabel(unit: AxisUnit, v: number): string {
  let k = 0;
  while (k < unit.names.length - 1 && unit.base ** (k + 1) <= Math.abs(v)) k++;
  const scaled = v / unit.base ** k;
  const text = Number.isInteger(scaled) ? String(scaled) : scaled.toFixed(Math.abs(scaled) < 10 ? 1 : 0);
  return `${text}${unit.names[k]}`;
}
