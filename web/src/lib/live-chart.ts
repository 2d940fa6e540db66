import uPlot from 'uplot';
import { type AxisUnit, axisTop, tickLabels, valueLabel } from './axis.ts';
import { clock } from './format.ts';

/** How one series is drawn and named. */
export interface SeriesStyle {
  readonly label: string;
  readonly color: string;
  /** Line width in CSS pixels (default 1.5): a wider line under a thinner one keeps both visible. */
  readonly width?: number;
  readonly dash?: readonly number[];
  /** Fills the area under the line (always on for stacked charts). */
  readonly fill?: boolean;
}

/** Options of a {@link LiveChart}. */
export interface LiveChartOptions {
  /** Series in drawing order (later ones are drawn over earlier ones); keys are what {@link LiveChart.push} takes. */
  readonly series: ReadonlyMap<string, SeriesStyle>;
  readonly unit: AxisUnit;
  /** Stacks the series (each band is one series, the top edge the total): parts of a whole never hide each other. */
  readonly stacked?: boolean;
  /** Shown over the plot while every value in view is 0. */
  readonly empty?: string;
  /** Visible time span, seconds. */
  readonly windowSec: number;
  /** Plot height, CSS pixels. */
  readonly height: number;
}

/** The shortest span shown, seconds: a page opened a moment ago shows its first points across a readable width. */
const MIN_SPAN_SEC = 10;

/**
 * A live time chart on uPlot: one point per series per {@link push}, the last `windowSec` seconds in
 * view, a zero-based y axis with round ticks in the chart's unit, a legend with the latest values
 * (the values under the pointer while hovering), and a message instead of a flat line while empty.
 */
export class LiveChart {
  readonly #options: LiveChartOptions;
  readonly #keys: string[];
  /**
   * Indexes into the series in uPlot's drawing order. Stacked, the top of the stack comes first, so
   * each lower series is drawn after (over) those above it: where a zero band makes two edges meet, the
   * edge shows the colour of the series that has the value, not of an empty one stacked above it.
   */
  readonly #order: number[];
  readonly #time: number[] = [];
  readonly #values: number[][];
  readonly #plot: uPlot;
  readonly #empty: HTMLElement;
  readonly #host: HTMLElement;

  constructor(host: HTMLElement, options: LiveChartOptions) {
    this.#options = options;
    this.#host = host;
    this.#keys = [...options.series.keys()];
    this.#values = this.#keys.map(() => []);
    this.#order = this.#keys.map((_, i) => i);
    if (options.stacked) this.#order.reverse();
    host.classList.add('live-chart');
    this.#empty = document.createElement('div');
    this.#empty.className = 'chart-empty';
    this.#empty.textContent = options.empty ?? '';
    this.#empty.hidden = true;
    this.#plot = new uPlot(this.#config(host.clientWidth), this.#data(), host);
    host.append(this.#empty);
    // The plot follows its card's width (two columns on a desktop, one on a phone).
    new ResizeObserver(() => {
      const width = host.clientWidth;
      if (width > 0 && width !== this.#plot.width) this.#plot.setSize({ width, height: options.height });
    }).observe(host);
  }

  /** Adds one sample taken at `timeMs`; a series missing from `values` counts as 0. */
  push(timeMs: number, values: Readonly<Record<string, number>>): void {
    const t = timeMs / 1000;
    this.#time.push(t);
    this.#keys.forEach((key, i) => {
      const v = values[key];
      this.#values[i]?.push(typeof v === 'number' && Number.isFinite(v) ? Math.max(0, v) : 0);
    });
    // Keep a little more than the window, so the left edge never starts mid-air.
    let drop = 0;
    while (drop < this.#time.length - 2 && (this.#time[drop + 1] ?? t) < t - this.#options.windowSec) drop++;
    if (drop > 0) {
      this.#time.splice(0, drop);
      for (const v of this.#values) v.splice(0, drop);
    }
    this.#empty.hidden = this.#options.empty === undefined || this.#values.some((v) => v.some((x) => x > 0));
    this.#plot.setData(this.#data());
  }

  /** Points held per series (tests read it to see data arrive). */
  get points(): number {
    return this.#time.length;
  }

  /** What uPlot draws, in drawing order: the values, or their running sums when stacked. */
  #data(): uPlot.AlignedData {
    let drawn = this.#values;
    if (this.#options.stacked) {
      drawn = [];
      let below: number[] = this.#time.map(() => 0);
      for (const v of this.#values) {
        const sum = v.map((x, i) => x + (below[i] ?? 0));
        drawn.push(sum);
        below = sum;
      }
    }
    return [this.#time, ...this.#order.map((i) => drawn[i] ?? [])];
  }

  /** The raw value of series `i` at `idx`, or the latest one when the pointer is not over the plot. */
  #raw(i: number, idx: number | null): number | undefined {
    const v = this.#values[i];
    return v === undefined ? undefined : v[idx ?? v.length - 1];
  }

  #config(width: number): uPlot.Options {
    const { unit, stacked = false, height } = this.#options;
    const all = [...this.#options.series.values()];
    const styles = this.#order.map((i) => all[i] as SeriesStyle);
    const series: uPlot.Series[] = [
      { label: 'time', value: (_u, v, _s, idx) => (idx === null || v === null ? 'now' : clock(v * 1000)) },
      ...styles.map(
        (s, j): uPlot.Series => ({
          label: s.label,
          stroke: s.color,
          width: s.width ?? 1.5,
          ...(s.dash === undefined ? {} : { dash: [...s.dash] }),
          ...(stacked || s.fill === true ? { fill: `${s.color}33` } : {}),
          points: { show: false },
          value: (_u, _v, _s, idx) => {
            const raw = this.#raw(this.#order[j] ?? j, idx);
            return raw === undefined ? '–' : valueLabel(unit, raw);
          },
        }),
      ),
    ];
    return {
      width: Math.max(width, 200),
      height,
      series,
      // Stacked: each band fills between a series and the next one down (drawn next), not down to 0.
      bands: stacked ? styles.slice(1).map((_, j) => ({ series: [j + 1, j + 2] as [number, number] })) : [],
      scales: {
        x: {
          time: true,
          range: (_u, _min, max) => {
            const first = this.#time[0] ?? max;
            const span = Math.min(this.#options.windowSec, Math.max(MIN_SPAN_SEC, max - first));
            return [max - span, max];
          },
        },
        y: { range: (u) => [0, axisTop(unit, this.#dataMax(u))] },
      },
      axes: [
        {
          stroke: '#7a8394',
          grid: { stroke: '#eef0f3' },
          ticks: { show: false },
          space: 64,
          size: 28,
          incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600],
          values: (_u, ticks) => ticks.map((t) => clock(t * 1000)),
        },
        {
          stroke: '#7a8394',
          grid: { stroke: '#eef0f3' },
          ticks: { show: false },
          space: 28,
          incrs: [...unit.steps],
          values: (_u, ticks, _axis, _space, step) => {
            const labels = tickLabels(unit, ticks, step);
            // The labels are drawn on a canvas; a copy in the DOM lets tests (and readers of the DOM) see them.
            this.#host.dataset.yLabels = labels.join('|');
            return labels;
          },
          // Wide enough for the longest label ("1000 kB"), no wider.
          size: (_u, labels) => 14 + 7 * Math.max(1, ...(labels ?? []).map((l) => l.length)),
        },
      ],
      // Solid markers in the series' colours (uPlot's default is an outline, hard to tell apart when small).
      legend: { live: true, markers: { width: 0, fill: (_u, i) => styles[i - 1]?.color ?? 'transparent' } },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
    };
  }

  /** The highest value drawn (the top of the stack when stacked). */
  #dataMax(u: uPlot): number {
    let max = 0;
    for (const s of u.data.slice(1)) for (const v of s) if (typeof v === 'number' && v > max) max = v;
    return max;
  }
}
