/** 1234567 -> "1.2 MB". */
export function bytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** Milliseconds, rounded to what a person can read. */
export function ms(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (n < 10) return `${n.toFixed(1)} ms`;
  if (n < 10_000) return `${Math.round(n)} ms`;
  return `${(n / 1000).toFixed(1)} s`;
}

/** A clock time, hh:mm:ss. */
export function clock(time: number): string {
  return new Date(time).toLocaleTimeString([], { hour12: false });
}
