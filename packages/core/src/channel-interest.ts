import type { ChannelState } from './engine.ts';
import type { MessageWait } from './message-wait.ts';
import type { Subscription } from './subscription.ts';

/**
 * Who on this node waits for one channel (live subscriptions and held long polls), and the newest
 * position of the channel this node has seen. The hub keeps one per channel while anyone waits, and
 * has the engine's feed watch exactly those channels.
 */
export class ChannelInterest {
  readonly subscriptions = new Set<Subscription>();
  readonly waits = new Set<MessageWait>();
  /** Epoch of the newest position seen; undefined until one is. */
  epoch: string | undefined;
  /** Offset of the newest message seen. */
  last = 0;
  /** Heartbeat ticks this interest has been idle in a row (a networked engine's watch lingers). */
  idleTicks = 0;
  /** Settles once the engine's feed hears the channel (networked engines); undefined once it does. */
  watching: Promise<void> | undefined;

  /** True when nobody on this node waits for the channel any more. */
  idle(): boolean {
    return this.subscriptions.size === 0 && this.waits.size === 0;
  }

  /**
   * The channel's subscribers on this node: every live subscription (socket, stream) and every held
   * long poll. The one count every endpoint reports (channel info, stats, the dashboard, metrics).
   */
  subscriberCount(): number {
    return this.subscriptions.size + this.waits.size;
  }

  /** {@link subscriberCount} per transport (a subscription's sink names it, a held long poll its owner), added to `into`. */
  countByTransport(into: Record<string, number> = {}): Record<string, number> {
    for (const sub of this.subscriptions) into[sub.sink.transport] = (into[sub.sink.transport] ?? 0) + 1;
    for (const wait of this.waits) into[wait.transport] = (into[wait.transport] ?? 0) + 1;
    return into;
  }

  /**
   * Records a position of the channel (from the feed, a read or a position check). Returns true when
   * it is news: another epoch, or further than anything seen. The first position seen is not news: it
   * is the baseline later ones are compared with.
   */
  see(epoch: string, last: number): boolean {
    if (this.epoch === undefined) {
      this.epoch = epoch;
      this.last = last;
      return false;
    }
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.last = last;
      return true;
    }
    if (last <= this.last) return false;
    this.last = last;
    return true;
  }

  /** Like {@link see}, for a state read from the engine. */
  seeState(state: ChannelState): boolean {
    return this.see(state.epoch, state.last);
  }
}
