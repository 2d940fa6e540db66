import { ensureBuilt } from './build.ts';

/**
 * Vitest global setup: builds the CLI before any test spawns `herald`, when a source is newer than the
 * bundle (a rebuild on every run would swap the bundle under other runs' processes for nothing).
 */
export default function setup(): Promise<void> {
  return ensureBuilt();
}
