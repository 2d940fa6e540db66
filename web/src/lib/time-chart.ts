/** How one series is drawn. */
export interface SeriesStyle {
  readonly label: string;
  readonly color: string;
}

/** Options of a {@link TimeChart}. */
export interface TimeChartOptions {
  /** Visible time span, ms; older points scroll off the left edge and are dropped. */
  windowMs: number;
  /** Axis label text for a value. */
  format?: (value: number) => string;
  /** Keep 0 on the y axis (counts, rates); prices float. */
  zeroBased?: boolean;
  /** Draw a step line (rates sampled once a second) instead of a straight one (prices). */
  steps?: boolean;
}

interface Series {
  readonly style: SeriesStyle;
  readonly t: number[];
  readonly v: number[];
}

const PAD = { left: 56, right: 8, top: 8, bottom: 18 };

/**
 * A scrolling line chart on a canvas: the x axis is wall-clock time, so the chart moves even between
 * samples, which is what makes a live feed look live. Small on purpose (a charting library would be
 * most of the page's weight: vega-lite alone is ~800 kB).
 */
export class TimeChart {
  readonly #canvas: HTMLCanvasElement;
  readonly #options: Required<TimeChartOptions>;
  readonly #series = new Map<string, Series>();
  #frame = 0;

  constructor(canvas: HTMLCanvasElement, options: TimeChartOptions) {
    this.#canvas = canvas;
    this.#options = { format: (v) => v.toFixed(0), zeroBased: true, steps: false, ...options };
  }

  /** Declares a series (its colour and legend label) before points arrive. */
  series(name: string, style: SeriesStyle): void {
    if (!this.#series.has(name)) this.#series.set(name, { style, t: [], v: [] });
  }

  /** Appends a point; points must come in time order per series. */
  add(name: string, time: number, value: number): void {
    const s = this.#series.get(name);
    if (s === undefined) return;
    s.t.push(time);
    s.v.push(value);
    // Drop in batches: shifting one element per point would be quadratic at high rates.
    const cutoff = time - this.#options.windowMs * 1.2;
    if (s.t.length > 64 && (s.t[32] ?? time) < cutoff) {
      let n = 0;
      while (n < s.t.length - 1 && (s.t[n] ?? time) < cutoff) n++;
      s.t.splice(0, n);
      s.v.splice(0, n);
    }
  }

  /** Number of points currently held (tests read it to see the chart receive data). */
  get points(): number {
    let n = 0;
    for (const s of this.#series.values()) n += s.t.length;
    return n;
  }

  /** Redraws on every animation frame until {@link stop}. */
  start(): void {
    const tick = (): void => {
      this.draw(Date.now());
      this.#frame = requestAnimationFrame(tick);
    };
    this.#frame = requestAnimationFrame(tick);
  }

  stop(): void {
    cancelAnimationFrame(this.#frame);
  }

  /** Draws the window ending at `now`. */
  draw(now: number): void {
    const ctx = this.#resize();
    if (ctx === undefined) return;
    const { width, height } = this.#canvas;
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const w = width / ratio;
    const h = height / ratio;
    ctx.clearRect(0, 0, w, h);
    const span = this.#span(now);
    const from = now - span;
    const [lo, hi] = this.#range(from);
    const x = (t: number): number => PAD.left + ((t - from) / span) * (w - PAD.left - PAD.right);
    const y = (v: number): number => h - PAD.bottom - ((v - lo) / (hi - lo)) * (h - PAD.top - PAD.bottom);
    this.#axes(ctx, w, lo, hi, y);
    for (const s of this.#series.values()) this.#line(ctx, s, from, x, y);
  }

  /**
   * The visible span: the full window once there is that much data; before, from the first point (but
   * at least a sixth of the window), so a freshly opened page shows its first seconds across the
   * chart instead of as a sliver at the right edge.
   */
  #span(now: number): number {
    let first = now;
    for (const s of this.#series.values()) first = Math.min(first, s.t[0] ?? now);
    const windowMs = this.#options.windowMs;
    return Math.min(windowMs, Math.max(windowMs / 6, (now - first) * 1.05));
  }

  #resize(): CanvasRenderingContext2D | undefined {
    const ratio = window.devicePixelRatio || 1;
    const w = Math.round(this.#canvas.clientWidth * ratio);
    const h = Math.round(this.#canvas.clientHeight * ratio);
    if (w === 0 || h === 0) return undefined;
    if (this.#canvas.width !== w || this.#canvas.height !== h) {
      this.#canvas.width = w;
      this.#canvas.height = h;
    }
    return this.#canvas.getContext('2d') ?? undefined;
  }

  /** The y range of what is visible, padded so lines never touch the edges. */
  #range(from: number): [number, number] {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const s of this.#series.values()) {
      for (let i = 0; i < s.t.length; i++) {
        if ((s.t[i] ?? 0) < from && (s.t[i + 1] ?? 0) < from) continue;
        const v = s.v[i] ?? 0;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (this.#options.zeroBased) lo = Math.min(0, lo);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
    if (hi - lo < 1e-9) return [lo - 1, hi + 1];
    const pad = this.#options.zeroBased ? 0 : (hi - lo) * 0.08;
    return [lo - pad, hi + (hi - lo) * 0.08];
  }

  #axes(ctx: CanvasRenderingContext2D, w: number, lo: number, hi: number, y: (v: number) => number): void {
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const step = niceStep((hi - lo) / 5);
    for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) {
      const yy = Math.round(y(v)) + 0.5;
      ctx.strokeStyle = '#e9ecf1';
      ctx.beginPath();
      ctx.moveTo(PAD.left, yy);
      ctx.lineTo(w - PAD.right, yy);
      ctx.stroke();
      ctx.fillStyle = '#7a8394';
      // Values within rounding error of zero print as 0, not as -0.00.
      ctx.fillText(this.#options.format(Math.abs(v) < step / 1e6 ? 0 : v), PAD.left - 6, yy);
    }
  }

  #line(
    ctx: CanvasRenderingContext2D,
    s: Series,
    from: number,
    x: (t: number) => number,
    y: (v: number) => number,
  ): void {
    ctx.strokeStyle = s.style.color;
    ctx.lineWidth = 1.8;
    ctx.beginPath();
    let started = false;
    let lastY = 0;
    for (let i = 0; i < s.t.length; i++) {
      const t = s.t[i] ?? 0;
      if (t < from && (s.t[i + 1] ?? 0) < from) continue;
      const xx = x(t);
      const yy = y(s.v[i] ?? 0);
      if (!started) ctx.moveTo(xx, yy);
      else if (this.#options.steps) {
        ctx.lineTo(xx, lastY);
        ctx.lineTo(xx, yy);
      } else ctx.lineTo(xx, yy);
      started = true;
      lastY = yy;
    }
    ctx.stroke();
  }
}

/** A grid step of 1, 2, 2.5 or 5 times a power of ten, at least `raw`: axis labels people can read. */
function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const n = raw / power;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * power;
}

/** Fills a legend element with one coloured label per series. */
export function legend(container: HTMLElement, styles: readonly SeriesStyle[]): void {
  container.replaceChildren(
    ...styles.map((s) => {
      const span = document.createElement('span');
      span.textContent = s.label;
      span.style.setProperty('--c', s.color);
      return span;
    }),
  );
}
