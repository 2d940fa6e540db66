import type { Engine } from '@herald/core';

/** Pause between readiness checks while waiting, in ms. */
const CHECK_EVERY_MS = 100;

/** Resolves true once `engine.ready()` does, false when `ms` pass first (networked engines at start). */
export async function readyWithin(engine: Engine, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await engine.ready()) return true;
    if (Date.now() + CHECK_EVERY_MS > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, CHECK_EVERY_MS));
  }
}

/**
 * The `onError` of a networked engine being started: until `started()` the first error is kept (it
 * says why the start failed); after it, each error goes to `afterStart` (the engine reconnects).
 */
export function startupErrors(afterStart: (error: unknown) => void): {
  onError: (error: unknown) => void;
  started: () => void;
  first: () => unknown;
} {
  let started = false;
  let first: unknown;
  return {
    onError: (error) => {
      if (started) afterStart(error);
      else first ??= error;
    },
    started: () => {
      started = true;
    },
    first: () => first,
  };
}
