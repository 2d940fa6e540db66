import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where scripts/build-client.mjs writes the browser SDK, relative to the `packages` directory. */
const BUNDLE = join('client', 'dist', 'herald.min.js');

/**
 * The browser SDK built in this checkout, if any, so `serve` offers `/herald.js` without configuration.
 * Looked for upwards from this module, which runs from packages/cli/dist (bundled) or
 * packages/cli/src/serve (tests), so both find packages/client/dist.
 */
export function findClientBundle(from: string = fileURLToPath(import.meta.url)): string | undefined {
  let dir = dirname(from);
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, BUNDLE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}
