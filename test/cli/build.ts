import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The `herald` executable, as `npx herald` runs it. */
export const BIN = join(ROOT, 'packages/cli/bin/herald.js');
const BUNDLE = join(ROOT, 'packages/cli/dist/herald.js');
/** Sources of every workspace package (the CLI bundles them): one newer than the bundle means a rebuild. */
const SOURCES = readdirSync(join(ROOT, 'packages'))
  .map((p) => join(ROOT, 'packages', p, 'src'))
  .filter((dir) => existsSync(dir));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function stale(): boolean {
  if (!existsSync(BUNDLE)) return true;
  const built = statSync(BUNDLE).mtimeMs;
  return SOURCES.some((dir) => newestSource(dir) > built);
}

/** Runs scripts/build.mjs for the CLI only (browser tests build and serve the SDK bundle themselves). */
export function build(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--cli'], { cwd: ROOT, stdio: 'pipe' });
}

/**
 * Builds the CLI bundle when it is missing or older than a source, so the spawned `herald` is the code
 * under test. Test files run in parallel processes: a lock directory keeps two builds from overlapping.
 */
export async function ensureBuilt(): Promise<void> {
  if (!stale()) return;
  const lock = join(tmpdir(), `herald-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test process is building; a lock older than the deadline is a leftover of a killed run.
      if (Date.now() > deadline) rmdirSync(lock);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    if (stale()) build();
  } finally {
    rmdirSync(lock);
  }
}
