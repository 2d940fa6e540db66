import type { Stored } from './codec.ts';

/** Probes a subject: its first stored append at a sequence >= `seq`, if any. */
export type Probe = (seq: number) => Promise<Stored | undefined>;

/** What a seek looks for: the first append (by sequence) that `passes`; `key` grows with the sequence. */
export interface Target {
  readonly passes: (p: Stored) => boolean;
  /** True when `p` is known to be the answer without looking at what precedes it. */
  readonly exact?: (p: Stored) => boolean;
  readonly key: (p: Stored) => number;
  readonly value: number;
}

/** Most probes of one seek; past it the best upper bound is the answer (never reached in practice). */
const MAX_PROBES = 64;

/**
 * Finds the first append of a subject that passes `target`, given `lo` (an append of the subject that
 * fails) and `hi` (a later one that passes). Appends of one channel are interleaved with other channels
 * in the stream, so the sequence of an offset (or of a time) is not known; but offsets and times grow
 * with the sequence within a subject. Each probe is one direct get (`next_by_subj`), which returns the
 * subject's first append at or after a guessed sequence. Guesses interpolate the key between the bounds
 * (a channel whose traffic is steady is found in one or two probes), and every third guess bisects, so
 * a skewed stream costs at most about 3·log2(sequences between the bounds) probes.
 */
export async function seek(probe: Probe, lo: Stored, hi: Stored, target: Target): Promise<Stored> {
  // No append of the subject sits in [gapStart, hi.seq).
  let gapStart = hi.seq;
  for (let i = 0; i < MAX_PROBES; i++) {
    const span = gapStart - lo.seq - 1;
    if (span <= 0) return hi;
    let step: number;
    if (i % 3 === 2) {
      step = Math.floor(span / 2);
    } else {
      const range = target.key(hi) - target.key(lo);
      const fraction = range > 0 ? (target.value - target.key(lo)) / range : 0.5;
      step = Math.min(span - 1, Math.max(0, Math.floor(fraction * span)));
    }
    const at = lo.seq + 1 + step;
    const found = await probe(at);
    if (found === undefined || found.seq >= hi.seq) {
      gapStart = at;
    } else if (target.passes(found)) {
      if (target.exact?.(found) === true) return found;
      hi = found;
      gapStart = at;
    } else {
      lo = found;
    }
  }
  return hi;
}
