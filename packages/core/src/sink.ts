import type { Message } from './message.ts';

/** A reset notice: the position was not honored; delivery continues at `from` in `epoch`. */
export interface ResetNotice {
  readonly channel: string;
  readonly epoch: string;
  readonly from: number;
}

/**
 * Where the core writes a live connection's deliveries. A transport implements it; the core decides
 * what to deliver and when (replay, order, dedupe, resets), the sink only frames and writes.
 * Per channel, the core calls `deliver` in offset order with no duplicates, and `reset` before any
 * message that follows a discontinuity.
 */
export interface Sink {
  /** Transport name, for stats. */
  readonly transport: string;
  /** Writes one message. */
  deliver(message: Message): void;
  /** Writes a reset notice. */
  reset(notice: ResetNotice): void;
  /** Bytes written but not yet flushed to the kernel: the send buffer the slow-consumer rule bounds. */
  backlog(): number;
  /** Resolves once the backlog is flushed (used to pace catch-up from history). */
  drained(): Promise<void>;
  /** Ends the connection with a close code (contract section 6) and a short reason. */
  close(code: number, reason: string): void;
}
