import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where scripts/build-web.mjs writes the demo pages and the dashboard, relative to the repository root. */
const WEB_DIST = join('web', 'dist');

/**
 * The web pages built in this checkout (web/dist with an index.html), if any, so `serve` offers the
 * demos and /dashboard without configuration. Looked for upwards from this module, which runs from
 * packages/cli/dist (bundled) or packages/cli/src/serve (tests): both reach the repository root.
 */
export function findWebDir(from: string = fileURLToPath(import.meta.url)): string | undefined {
  return findUpwards(from, WEB_DIST, 'index.html');
}

/** The docs of this checkout (docs/ with config.md), if any, for the start-up block's "Docs:" line. */
export function findDocsDir(from: string = fileURLToPath(import.meta.url)): string | undefined {
  return findUpwards(from, 'docs', 'config.md');
}

/** `sub` in the first of the 5 directories above `from` where it holds `marker`. */
function findUpwards(from: string, sub: string, marker: string): string | undefined {
  let dir = dirname(from);
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, sub);
    if (existsSync(join(candidate, marker))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}
