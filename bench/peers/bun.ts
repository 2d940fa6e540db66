// Launcher side of the Bun peer: finds the `bun` binary and says what runs bench/peers/bun-server.ts.
// Bun is not a dependency of the project (docs/performance.md, "Installing the peers"): the bench
// uses the one given by --bun or BENCH_BUN, else the first `bun` on PATH, else the npm tarball
// installed under /opt/bun.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const SCRIPT = 'bench/peers/bun-server.ts';
/** Where `npm i @oven/bun-linux-x64` in /opt/bun puts the binary (docs/performance.md). */
const OPT_BUN = '/opt/bun/node_modules/@oven/bun-linux-x64/bin/bun';
const INSTALL_HINT =
  'mkdir -p /opt/bun && cd /opt/bun && npm init -y && npm i @oven/bun-linux-x64, or give --bun <path> / BENCH_BUN';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The `bun` binary the bench would run: `given` (--bun, BENCH_BUN) if any, else PATH, else /opt/bun. */
export function findBun(given: string | undefined): string | undefined {
  if (given !== undefined && given !== '') return given;
  const onPath = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'bun'));
  return [...onPath, OPT_BUN].find(executable);
}

/** Why the Bun peer cannot run here, or undefined when it can. */
export function bunMissing(given: string | undefined): string | undefined {
  const bun = findBun(given);
  if (bun === undefined) return `bun not found on PATH nor at ${OPT_BUN} (${INSTALL_HINT})`;
  if (!executable(bun)) return `${bun} is not an executable file (${INSTALL_HINT})`;
  try {
    // A binary built for CPUs this one is not (the baseline builds are for those without AVX2) dies here.
    execFileSync(bun, ['--version'], { stdio: 'ignore', timeout: 10_000 });
  } catch (err) {
    return `${bun} --version failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

/** The command line of the Bun peer on `port`. */
export function bunCommand(given: string | undefined, port: number): { command: string; args: string[] } {
  const bun = findBun(given);
  if (bun === undefined) throw new Error(`bun not found (${INSTALL_HINT})`);
  return { command: bun, args: [SCRIPT, '--port', String(port)] };
}
