import type { Hub } from '@herald/core';
import { metaChannel } from './meta.ts';

/** A registered wait for the next change of a stream: a message or a metadata record. */
export interface StreamWait {
  /** Resolves true when something was written to the stream, false at the timeout or on cancel. */
  readonly settled: Promise<boolean>;
  cancel(): void;
}

/**
 * Waits for the next write to `channel` or to its metadata (a close, a delete), through the hub's
 * long-poll waits. Register before reading and read once the returned wait's `heard` settles, so a
 * write between the read and the wait is never missed.
 */
export async function waitForChange(hub: Hub, channel: string, timeoutMs: number): Promise<StreamWait> {
  const channels = [channel, metaChannel(channel)];
  let resolve: (woken: boolean) => void = () => {};
  const settled = new Promise<boolean>((r) => {
    resolve = r;
  });
  const wait = hub.waitForMessage(channels, Math.max(0, timeoutMs), { settled: (woken) => resolve(woken) });
  const heard = hub.heard(channels);
  if (heard !== undefined) await heard;
  return { settled, cancel: () => wait.cancel() };
}
