import { lastOf, type Position } from './codec.ts';

/** Positions kept per channel: the newest appends this node wrote, heard or read. */
const PER_CHANNEL = 32;

/** What the hints know around an offset. */
export interface Around {
  /** The newest known append that ends before the offset. */
  readonly below: Position | undefined;
  /** A known append that holds the offset. */
  readonly holding: Position | undefined;
}

/**
 * Where recent appends of each channel sit in the stream (stream sequence and offsets), learnt for free
 * from this node's own appends, from the live feed (republished messages carry their sequence) and from
 * reads. They let a read start at a known sequence instead of searching, and an append guess the
 * channel's newest sequence for its expected-last-subject-sequence check. A hint may be stale (trimmed,
 * or overtaken by another node): every use is checked by the server or by the message found.
 * Bounded: at most `maxChannels` channels (least recently used go first), 32 positions each.
 */
export class Hints {
  private readonly channels = new Map<string, Position[]>();

  constructor(private readonly maxChannels = 10_000) {}

  /** Records that the append `p` of `channel` sits at `p.seq`. */
  note(channel: string, p: Position): void {
    let list = this.channels.get(channel);
    if (list !== undefined) this.channels.delete(channel);
    // A position of another epoch: the channel started again, everything known before is gone.
    if (list === undefined || (list.length > 0 && list[0]?.epoch !== p.epoch)) list = [];
    this.channels.set(channel, list);
    let i = list.length;
    while (i > 0 && (list[i - 1] as Position).seq > p.seq) i--;
    if (list[i - 1]?.seq !== p.seq) list.splice(i, 0, p);
    if (list.length > PER_CHANNEL) list.shift();
    if (this.channels.size > this.maxChannels) {
      const oldest = this.channels.keys().next().value;
      if (oldest !== undefined) this.channels.delete(oldest);
    }
  }

  /** The newest known append of `channel` (maybe no longer the newest in the stream). */
  latest(channel: string): Position | undefined {
    const list = this.channels.get(channel);
    return list?.[list.length - 1];
  }

  /** What is known around `offset` of `channel` in `epoch`. */
  around(channel: string, epoch: string, offset: number): Around {
    let below: Position | undefined;
    let holding: Position | undefined;
    for (const p of this.channels.get(channel) ?? []) {
      if (p.epoch !== epoch) continue;
      if (lastOf(p) < offset) below = p;
      else if (p.first <= offset) holding ??= p;
    }
    return { below, holding };
  }

  /** Forgets `channel` (its newest position proved wrong). */
  forget(channel: string): void {
    this.channels.delete(channel);
  }

  /** Forgets everything (the stream may have been replaced: sequences mean something else now). */
  clear(): void {
    this.channels.clear();
  }
}
