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
