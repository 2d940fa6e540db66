/** Who a {@link MessageWait} tells how it ended. */
export interface WaitOwner {
  /** Called once: true when a message arrived, false at the timeout or on cancel. */
  settled(woken: boolean): void;
  /** The transport the wait is counted under in subscriber counts; default {@link LONG_POLL}. */
  readonly transport?: string;
}

/** The transport name a held wait is counted under unless its owner names another. */
export const LONG_POLL = 'long-poll';

/** Where waits register for the channels they wait on (the hub). */
export interface WaitRegistry {
  addWait(channel: string, wait: MessageWait): void;
  removeWait(channel: string, wait: MessageWait): void;
}

/**
 * A long poll's wait for the next message on some channels. Settles once: woken when a message is
 * published to one of them, not woken at the timeout or on `cancel` (the client left, the hub stops).
 * An object that calls its owner back, not closures, a promise and an AbortSignal: thousands of
 * held polls each keep one alive.
 */
export class MessageWait {
  /** What subscriber counts list this wait under (a held long poll is a subscriber while it waits). */
  readonly transport: string;
  private done = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    /** The hub: this wait is registered for each of its channels until it settles. */
    private readonly registry: WaitRegistry,
    private readonly channels: readonly string[],
    timeoutMs: number,
    private readonly owner: WaitOwner,
  ) {
    this.transport = owner.transport ?? LONG_POLL;
    for (const channel of channels) registry.addWait(channel, this);
    this.timer = setTimeout(settleTimedOut, timeoutMs, this);
  }

  /** A message arrived. */
  wake(): void {
    this.settle(true);
  }

  /** Nobody waits any more. */
  cancel(): void {
    this.settle(false);
  }

  private settle(woken: boolean): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    for (const channel of this.channels) this.registry.removeWait(channel, this);
    this.owner.settled(woken);
  }
}

function settleTimedOut(wait: MessageWait): void {
  wait.cancel();
}
