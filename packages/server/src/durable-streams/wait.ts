import type { Streams } from './streams.ts';

/** A registered wait for the next change of a stream: a message or a metadata record. */
export interface StreamWait {
  /** Resolves true when something was written to the stream, false at the timeout or on cancel. */
  readonly settled: Promise<boolean>;
  cancel(): void;
}

/**
 * On a networked engine, a change of a stream's metadata made on another node (a close, a delete)
 * reaches a waiting reader at the latest this long after, ms: waits there end this often to read it.
 */
const REMOTE_META_CHECK_MS = 5_000;

/**
 * Waits for the next write to `channel` (through the hub's long-poll waits, so every node's writes
 * count) or to its metadata made in this process (a close, a delete). Register before reading and read
 * once this resolves, so a write between the read and the wait is never missed. The wait is counted
 * among the channel's subscribers under `transport`.
 */
export async function waitForChange(
  streams: Streams,
  channel: string,
  timeoutMs: number,
  transport: string,
): Promise<StreamWait> {
  const { hub } = streams;
  let resolve: (woken: boolean) => void = () => {};
  const settled = new Promise<boolean>((r) => {
    resolve = r;
  });
  const ms = hub.engine.lossyFeed === true ? Math.min(timeoutMs, REMOTE_META_CHECK_MS) : timeoutMs;
  let off = (): void => {};
  let cancelled = false;
  const wait = hub.waitForMessage([channel], Math.max(0, ms), {
    transport,
    settled: (woken) => {
      off();
      // A wait cut short for the remote metadata check counts as woken: the caller reads again.
      resolve(woken || (!cancelled && ms < timeoutMs));
    },
  });
  off = streams.onChange(channel, () => wait.wake());
  const heard = hub.heard([channel]);
  if (heard !== undefined) await heard;
  return {
    settled,
    cancel: () => {
      cancelled = true;
      wait.cancel();
    },
  };
}
