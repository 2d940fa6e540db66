import { build } from './build.ts';

/** Vitest global setup: builds the CLI once before any test spawns `herald`. */
export default function setup(): void {
  build();
}
