import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from './build.ts';
import { killAll, run } from './processes.ts';

// A bad --data location must stop `serve` at once with one line naming it: `--data /proc/nope` used to
// spin at full CPU forever without a word (Node's recursive mkdir loops on procfs).

const root = mkdtempSync(join(tmpdir(), 'herald-bad-data-'));

beforeAll(ensureBuilt, 60_000);
afterEach(killAll);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs `serve --data <data>` and checks it fails within 10 s (a loaded machine starts node slowly) with exit 1 and one stderr line. */
async function refused(data: string): Promise<string> {
  const started = Date.now();
  const { code, stdout, stderr } = await run(['serve', '--port', '0', '--data', data]);
  expect(Date.now() - started, 'time to fail').toBeLessThan(10_000);
  expect(code, stderr).toBe(1);
  expect(stdout).toBe('');
  const lines = stderr.trimEnd().split('\n');
  expect(lines, stderr).toHaveLength(1);
  return lines[0] ?? '';
}

describe('serve --data with a bad location (spawned)', () => {
  it('a directory that cannot be created (procfs)', async () => {
    expect(await refused('/proc/nope')).toBe('--data /proc/nope: cannot create the directory /proc/nope (ENOENT)');
  });

  it('a directory that is not writable (sysfs)', async () => {
    expect(await refused('/sys/kernel')).toBe('--data /sys/kernel: the directory /sys/kernel is not writable (EACCES)');
  });

  it('a file where a directory must be', async () => {
    const file = join(root, 'plain-file');
    writeFileSync(file, 'not a directory\n');
    const line = await refused(join(file, 'data'));
    expect(line).toBe(`--data ${join(file, 'data')}: ${file} is a file, not a directory`);
  });

  it.skipIf(asRootWithoutNobodyReach())('a database file it may not read and write', async () => {
    const dir = join(root, 'locked');
    chmodSync(root, 0o755);
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const file = join(dir, 'herald.sqlite3');
    writeFileSync(file, '');
    chmodSync(file, 0o600);
    // Root reads anything: then the hub runs as `nobody`, for whom the root-owned file is closed.
    const asRoot = process.getuid?.() === 0;
    if (!asRoot) chmodSync(file, 0o000);
    const started = Date.now();
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const options = { cwd: root, timeout: 15_000, ...(asRoot ? { uid: 65_534, gid: 65_534 } : {}) };
      execFile(process.execPath, [BIN, 'serve', '--port', '0', '--data', dir], options, (error, _out, err) =>
        resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), stderr: String(err) }),
      );
    });
    expect(Date.now() - started, 'time to fail').toBeLessThan(10_000);
    expect(code, stderr).toBe(1);
    expect(stderr).toBe(`--data ${dir}: cannot open ${file} for reading and writing (EACCES)\n`);
  });

  it('a database file that is not a database, and one that is a directory', async () => {
    const garbage = join(root, 'garbage.sqlite3');
    writeFileSync(garbage, 'this is no SQLite database, though long enough to look like a header\n'.repeat(4));
    expect(await refused(garbage)).toBe(`cannot open the SQLite database in ${garbage}: file is not a database`);
    const dir = join(root, 'taken');
    mkdirSync(join(dir, 'herald.sqlite3'), { recursive: true });
    expect(await refused(dir)).toBe(`--data ${dir}: ${join(dir, 'herald.sqlite3')} exists but is not a file`);
  });
});

/**
 * True when this runs as root (the case then runs the hub as `nobody`) and `nobody` cannot reach the
 * CLI: a checkout under a directory closed to others (a `mktemp -d` clone is 0700). The case cannot
 * make root see EACCES, so it is skipped there rather than failing on "Cannot find module".
 */
function asRootWithoutNobodyReach(): boolean {
  if (process.getuid?.() !== 0) return false;
  for (let dir = dirname(BIN); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return true;
    if (dirname(dir) === dir) return false;
  }
}
