/**
 * Durable Streams offsets (protocol section 6) as Herald writes them: `0000000000000000_<index>`, where
 * `<index>` is the number of stream messages before the position, zero-padded to 16 digits so that a
 * string comparison orders offsets. Index `n` of a stream is the Herald channel offset `base + n + 1`
 * (see {@link StreamMeta.base}). The first part is reserved (always zero) so the format stays the one
 * Durable Streams clients and the conformance suite know (`0000000000000000_0000000000000000` = start).
 */

const WIDTH = 16;
const PREFIX = '0'.repeat(WIDTH);
const OFFSET = /^(\d{16})_(\d{16})$/;

/** The offset text for stream index `n`. */
export function formatOffset(n: number): string {
  return `${PREFIX}_${String(n).padStart(WIDTH, '0')}`;
}

/** Where a read starts: the beginning, the tail, or an index. */
export type StartOffset = { kind: 'start' } | { kind: 'now' } | { kind: 'index'; index: number };

/**
 * Parses an offset as a client sends it (`-1`, `now` or one of ours). Undefined for anything else:
 * the caller answers 400. Indexes past `Number.MAX_SAFE_INTEGER` are refused too.
 */
export function parseOffset(text: string): StartOffset | undefined {
  if (text === '-1') return { kind: 'start' };
  if (text === 'now') return { kind: 'now' };
  const m = OFFSET.exec(text);
  if (m === null || m[1] !== PREFIX) return undefined;
  const index = Number(m[2]);
  return Number.isSafeInteger(index) ? { kind: 'index', index } : undefined;
}
