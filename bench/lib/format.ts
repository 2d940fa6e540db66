// Markdown tables and number formatting shared by the reports.

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const num = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
/**
 * A latency in ms: 0.1 ms resolution from 1 ms up, 0.01 ms below, so a sub-50 µs median (a hub that
 * answers while the load core is idle) shows as 0.03, not as 0.0.
 */
export const latencyMs = (n: number): string => num(n, n < 1 ? 2 : 1);
export const pct = (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : '-');
export const kilo = (n: number): string =>
  !Number.isFinite(n) ? '-' : n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : n >= 100 ? num(n) : num(n, n >= 10 ? 1 : 2);
/** a ratio as "0.93×", or "-" when either side is missing */
export const ratio = (a: number | undefined, b: number | undefined): string =>
  a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0
    ? `${(a / b).toFixed(2)}×`
    : '-';
