import { spawn, spawnSync } from 'node:child_process';
import { rmSync, statSync, truncateSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SQLITE_FILE_NAME, type SqliteEngine } from '@herald/engine-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/build.ts';
import { killAll, run, serve } from '../cli/processes.ts';
import { startTestServer } from '../helpers/server.ts';

// "201 Created" from a hub with --data must mean the message is on disk (docs/durability.md). The
// failure this guards against: WAL with synchronous=NORMAL, kill -9 and a WAL cut back to an earlier commit (what a lost
// page cache leaves) lost 40 acknowledged messages under the same epoch, and later publishes reused
// their offsets. Now: `full` (the default) syncs every group commit; `fast` keeps the old speed but
// starts new epochs after any stop that was not clean, so the loss is always reported.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENGINE = new URL('../../packages/engine-sqlite/src/sqlite-engine.ts', import.meta.url).href;
const LIMITS = { size: 1000, maxAgeMs: 3_600_000 };
const temp: string[] = [];
const engines: SqliteEngine[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const dir of temp.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'herald-durability-'));
  temp.push(dir);
  return dir;
}

async function open(dir: string, sync: 'full' | 'fast' = 'full'): Promise<SqliteEngine> {
  const { SqliteEngine } = await import('@herald/engine-sqlite');
  const engine = new SqliteEngine({ path: dir, sync, sweepIntervalMs: 0 });
  engines.push(engine);
  return engine;
}

/** Runs a script with tsx in a child process; resolves with its stdout once it ends (killed or not). */
function runChild(script: string, args: string[], wrap: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const command = wrap.length > 0 ? (wrap[0] as string) : process.execPath;
    const argv = [...wrap.slice(1), ...(wrap.length > 0 ? [process.execPath] : []), '--import', 'tsx', script, ...args];
    const child = spawn(command, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
    });
    child.on('error', reject);
    child.on('close', () => (out === '' ? reject(new Error(`child wrote nothing: ${err}`)) : resolve(out)));
  });
}

describe('SQLite: what an acknowledged append survives', () => {
  it('fast mode: acks lost with the page cache after kill -9 come back as a new epoch, never as reused offsets', async () => {
    const dir = await tempDir();
    const script = join(dir, 'child.mts');
    await writeFile(
      script,
      `import { statSync } from 'node:fs';
import { SqliteEngine } from ${JSON.stringify(ENGINE)};
const dir = process.argv[2] ?? '';
const engine = new SqliteEngine({ path: dir, sync: 'fast', sweepIntervalMs: 0 });
for (let i = 1; i <= 100; i++) {
  const r = await engine.append('lost', [{ event: undefined, data: String(i) }], ${JSON.stringify(LIMITS)});
  // A write to a pipe is synchronous on POSIX: every printed line is an acknowledged append.
  process.stdout.write('ack ' + r.epoch + ' ' + r.messages[0]?.offset + '\\n');
  if (i === 60) process.stdout.write('wal ' + statSync(dir + '/${SQLITE_FILE_NAME}-wal').size + '\\n');
}
process.kill(process.pid, 'SIGKILL');
`,
    );
    const out = await runChild(script, [join(dir, 'db')]);
    const acks = out.split('\n').filter((l) => l.startsWith('ack '));
    expect(acks).toHaveLength(100);
    const epoch = acks[0]?.split(' ')[1];
    const walAt60 = Number(
      out
        .split('\n')
        .find((l) => l.startsWith('wal '))
        ?.split(' ')[1],
    );
    // The power loss: the last 40 commits never reached the disk.
    const wal = join(dir, 'db', `${SQLITE_FILE_NAME}-wal`);
    expect(statSync(wal).size).toBeGreaterThan(walAt60);
    truncateSync(wal, walAt60);
    rmSync(`${join(dir, 'db', SQLITE_FILE_NAME)}-shm`, { force: true });

    const engine = await open(join(dir, 'db'), 'fast');
    const state = await engine.state('lost', LIMITS);
    expect(state.epoch).not.toBe(epoch);
    expect(state).toMatchObject({ first: 1, last: 0 });
    expect(engine.opened).toEqual({ unclean: 'fast', reset: true });
    // A client that held offset 100 resumes: it is told of the gap first, whatever is published since.
    const written = await engine.append('lost', [{ event: undefined, data: '"new"' }], LIMITS);
    await engine.close();
    engines.splice(0);
    const hub = await startTestServer({ engine: await open(join(dir, 'db'), 'fast') });
    try {
      const res = await fetch(`${hub.url}/v1/channels/lost/messages?after=${epoch}:100`);
      const body = (await res.json()) as { reset?: { epoch: string; from: number }; messages: unknown[] };
      expect(body.reset).toEqual({ epoch: written.epoch, from: 1 });
    } finally {
      await hub.close();
      engines.splice(0);
    }
  });

  it('fast mode: a clean close keeps history and epochs', async () => {
    const dir = await tempDir();
    const first = await open(dir, 'fast');
    const w = await first.append('kept', [{ event: undefined, data: '1' }], LIMITS);
    await first.close();
    engines.splice(0);
    const again = await open(dir, 'fast');
    expect(again.opened).toEqual({ unclean: undefined, reset: false });
    expect(await again.state('kept', LIMITS)).toEqual({ epoch: w.epoch, first: 1, last: 1 });
  });

  it('full mode (the default): a run that did not close lost nothing acknowledged, so nothing is reset', async () => {
    const dir = await tempDir();
    const script = join(dir, 'child.mts');
    await writeFile(
      script,
      `import { SqliteEngine } from ${JSON.stringify(ENGINE)};
const engine = new SqliteEngine({ path: process.argv[2] ?? '', sweepIntervalMs: 0 });
const r = await engine.append('kept', [{ event: undefined, data: '1' }], ${JSON.stringify(LIMITS)});
process.stdout.write(r.epoch + '\\n');
process.kill(process.pid, 'SIGKILL');
`,
    );
    const epoch = (await runChild(script, [dir])).trim();
    const engine = await open(dir);
    expect(engine.opened).toEqual({ unclean: 'full', reset: false });
    expect(await engine.state('kept', LIMITS)).toEqual({ epoch, first: 1, last: 1 });
  });

  it('appends that arrive together share one commit; a lone append is committed at once', async () => {
    const engine = await open(await tempDir());
    const before = engine.commits;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        engine.append(
          `c${i % 5}`,
          [{ event: undefined, data: String(i) }],
          LIMITS,
          i % 7 === 0 ? `k${i % 3}` : undefined,
        ),
      ),
    );
    expect(engine.commits - before).toBe(1);
    // Call order within each channel, contiguous offsets, duplicates answered from the same commit.
    for (let c = 0; c < 5; c++) {
      const offsets = results.filter((_, i) => i % 5 === c && !results[i]?.duplicate).map((r) => r.messages[0]?.offset);
      expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => i + 1));
    }
    await engine.append('alone', [{ event: undefined, data: '1' }], LIMITS);
    expect(engine.commits - before).toBe(2);
  });

  const strace = spawnSync('strace', ['-V']).status === 0;
  it.skipIf(!strace)(
    'full mode syncs once per group of appends; fast mode does not sync them (needs strace: skipped without it)',
    async () => {
      const dir = await tempDir();
      const script = join(dir, 'child.mts');
      await writeFile(
        script,
        `import { accessSync } from 'node:fs';
import { SqliteEngine } from ${JSON.stringify(ENGINE)};
const [path, sync] = process.argv.slice(2);
const engine = new SqliteEngine({ path: path ?? '', sync: sync === 'fast' ? 'fast' : 'full', sweepIntervalMs: 0 });
const mark = (what: string) => { try { accessSync('/herald-' + what); } catch {} };
mark('begin');
for (let round = 0; round < 5; round++) {
  await Promise.all(Array.from({ length: 20 }, (_, i) => engine.append('s' + (i % 4), [{ event: undefined, data: String(i) }], ${JSON.stringify(LIMITS)})));
}
mark('end');
process.stdout.write('commits ' + engine.commits + '\\n');
await engine.close();
`,
      );
      const syncs = async (mode: string) => {
        const log = join(dir, `strace-${mode}.log`);
        const out = await runChild(
          script,
          [join(dir, mode), mode],
          ['strace', '-f', '-qq', '-e', 'trace=fsync,fdatasync,access,faccessat,faccessat2', '-o', log],
        );
        const lines = (await readFile(log, 'utf8')).split('\n');
        const begin = lines.findIndex((l) => l.includes('/herald-begin'));
        const end = lines.findIndex((l) => l.includes('/herald-end'));
        const count = lines.slice(begin, end).filter((l) => /\b(fsync|fdatasync)\(/.test(l)).length;
        return { count, commits: Number(/commits (\d+)/.exec(out)?.[1]) };
      };
      const full = await syncs('full');
      expect(full.commits).toBe(5);
      // At least one sync per group commit (a WAL sync; SQLite may sync its directory or header too), never one per append.
      expect(full.count).toBeGreaterThanOrEqual(5);
      expect(full.count).toBeLessThanOrEqual(15);
      const fast = await syncs('fast');
      expect(fast.count).toBe(0);
    },
    30_000,
  );

  it('herald serve: --data-sync fast says so, and after a kill -9 the next start warns and resets', async () => {
    await ensureBuilt();
    const dir = await tempDir();
    try {
      const first = await serve(['--data', dir, '--data-sync', 'fast', '--api-key', 'durability-key-0123456789']);
      await first.cli.waitForLine(
        /^History: SQLite in .* \(fast: not synced; a stop that is not clean resets every channel\)$/,
      );
      const res = await fetch(`${first.url}/v1/channels/c/messages`, {
        method: 'POST',
        headers: { authorization: 'Bearer durability-key-0123456789', 'content-type': 'application/json' },
        body: '{"data":1}',
      });
      const { epoch } = (await res.json()) as { epoch: string };
      first.cli.child.kill('SIGKILL');
      await first.cli.exited;
      const second = await serve(['--data', dir, '--data-sync', 'fast', '--log-level', 'warn']);
      await second.cli.waitForLine(/every channel starts a new epoch/);
      const info = (await (await fetch(`${second.url}/v1/channels/c`)).json()) as { epoch: string; lastOffset: number };
      expect(info.epoch).not.toBe(epoch);
      expect(info.lastOffset).toBe(0);
      const full = await serve(['--data', await tempDir()]);
      await full.cli.waitForLine(/^History: SQLite in .* \(each acknowledged message synced to disk\)$/);
      const bad = await run(['serve', '--data', dir, '--data-sync', 'sometimes']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/--data-sync: expected full or fast/);
    } finally {
      killAll();
    }
  }, 60_000);
});
