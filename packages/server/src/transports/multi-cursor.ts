import { formatCursor } from '@herald/protocol';

/**
 * The combined cursor of one multi-channel stream (`/v1/events`), kept up to date one channel at a
 * time: each channel's part (`<epoch>:<offset>`, `0` until known) is formatted when that channel
 * moves, and the cursor is those parts joined, the text formatMultiCursor (packages/protocol) gives
 * for the same positions. A delivery formats one part and finds its channel by name in a map, so the
 * bookkeeping costs the same for 2 channels or 100; only the join is as long as the cursor it makes.
 */
export class MultiCursor {
  /** Each channel's place in the request (and in the cursor). */
  private readonly index: Map<string, number>;
  private readonly parts: string[];
  private readonly started: boolean[];
  /** Channels whose starting position is not yet known. */
  private unknown: number;

  constructor(channels: readonly string[]) {
    this.index = new Map(channels.map((channel, i) => [channel, i]));
    this.parts = channels.map(() => '0');
    this.started = channels.map(() => false);
    this.unknown = channels.length;
  }

  /** Records where the `i`th channel starts; true once every channel's start is known. */
  start(i: number, epoch: string, last: number): boolean {
    if (this.started[i] === false) {
      this.started[i] = true;
      this.unknown--;
    }
    this.parts[i] = formatCursor({ epoch, offset: last });
    return this.unknown === 0;
  }

  /** The combined cursor as it stands. */
  current(): string {
    return this.parts.join(',');
  }

  /** Records that the stream has written `channel` up to `last` in `epoch`; returns the combined cursor. */
  advance(channel: string, epoch: string, last: number): string {
    const i = this.index.get(channel);
    if (i !== undefined) this.parts[i] = formatCursor({ epoch, offset: last });
    return this.current();
  }
}
