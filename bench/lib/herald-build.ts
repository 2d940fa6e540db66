// Which Herald a run measures. The CLI bundle (packages/cli/dist) is rebuilt by other people's test
// runs on a shared checkout; a copy taken at the start keeps every peer and repetition of one
// invocation on the same code, and its hash and the checkout's state go into the results.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The `herald` command of the checkout. */
export const HERALD_BIN = 'packages/cli/bin/herald.js';
const CLI_DIR = 'packages/cli';

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    });
}

/** First 12 hex digits of the SHA-256 over the bundle's files (names and bytes). */
function hashOf(dir: string): string {
  const hash = createHash('sha256');
  for (const file of files(dir)) hash.update(file.slice(dir.length)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 12);
}

export interface HeraldBuild {
  /** the copied command, for `node <bin> serve …` */
  bin: string;
  /** hash of the copied bundle */
  hash: string;
}

/**
 * Copies the built CLI (bin + dist) under `tmpDir`; node resolves its external packages from the
 * checkout's node_modules all the same. The web pages and the browser SDK are not served by the copy.
 */
export function snapshotHeraldBuild(tmpDir: string): HeraldBuild {
  const dist = join(CLI_DIR, 'dist');
  if (!existsSync(join(dist, 'herald.js'))) throw new Error(`${dist}/herald.js not found: run \`npm run build\` first`);
  const hash = hashOf(dist);
  const root = join(tmpDir, `herald-build-${hash}`, CLI_DIR);
  if (!existsSync(join(root, 'dist', 'herald.js'))) {
    cpSync(join(CLI_DIR, 'bin'), join(root, 'bin'), { recursive: true });
    cpSync(dist, join(root, 'dist'), { recursive: true });
  }
  return { bin: join(root, 'bin', 'herald.js'), hash };
}

/** The `herald` command a Herald peer runs: the snapshot of this checkout, or the herald-base checkout's own. */
export function heraldBinFor(opts: { heraldBin: string; heraldBase: string | undefined }, peer: string): string {
  return peer === 'herald-base' ? baseBin(opts.heraldBase ?? '') : opts.heraldBin;
}

/** The `herald` command of a checkout given with --herald-base. */
export function baseBin(checkout: string): string {
  return join(checkout, HERALD_BIN);
}

/** The commit, and the files that differ from it outside bench/ (what else the bundle contains). */
export function checkoutState(dir = '.'): { commit: string; dirty: boolean; changedOutsideBench: string[] } {
  const git = (...args: string[]): string => {
    try {
      // Not trimmed at the start: a porcelain line begins with its status, possibly a space.
      return execFileSync('git', ['-C', dir, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trimEnd();
    } catch {
      return '';
    }
  };
  const tracked = git('status', '--porcelain', '--untracked-files=no')
    .split('\n')
    .map((line) => line.slice(3))
    .filter((path) => path !== '');
  const changed = tracked.filter((path) => !path.startsWith('bench/'));
  // Dirty: any tracked file differs from the commit, bench/ included (the harness is part of the result).
  return {
    commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
    dirty: tracked.length > 0,
    changedOutsideBench: changed,
  };
}
