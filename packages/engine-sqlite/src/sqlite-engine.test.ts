import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '@herald/core';
import { type EngineHandle, engineContract } from '@herald/core/testing';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLITE_FILE_NAME, SqliteEngine } from './sqlite-engine.ts';

const LIMITS = { size: 1000, maxAgeMs: 3_600_000 };
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where each engine under test keeps its database, so the restart hook can reopen it. */
const dirs = new WeakMap<Engine, string>();

function open(dir: string): EngineHandle {
  const engine = new SqliteEngine({ path: dir, sweepIntervalMs: 0 });
  dirs.set(engine, dir);
  return { engine, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

engineContract('sqlite', async () => open(await mkdtemp(join(tmpdir(), 'herald-sqlite-'))), {
  restart: async (previous) => open(dirs.get(previous.engine) ?? ''),
});

describe('SqliteEngine', () => {
  const temp: string[] = [];
  const engines: SqliteEngine[] = [];
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'herald-sqlite-'));
    temp.push(dir);
    return dir;
  }
  function engineAt(path: string, now?: () => number): SqliteEngine {
    const engine = new SqliteEngine({ path, sweepIntervalMs: 0, ...(now && { now }) });
    engines.push(engine);
    return engine;
  }
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
    for (const dir of temp.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('keeps history, epoch and history size across close and reopen', async () => {
    const dir = join(await tempDir(), 'nested', 'data');
    const first = engineAt(dir);
    const written = await first.append('chat:1', [{ event: 'hi', data: '{"a":1}' }], LIMITS);
    await first.append('chat:1', [{ event: undefined, data: '2' }], LIMITS);
    await first.close();
    expect(existsSync(join(dir, SQLITE_FILE_NAME))).toBe(true);
    // The checkpoint on close leaves no WAL content behind.
    expect(existsSync(join(dir, `${SQLITE_FILE_NAME}-wal`))).toBe(false);

    const again = engineAt(join(dir, SQLITE_FILE_NAME));
    const page = await again.read('chat:1', 0, 10, LIMITS);
    expect(page.state).toEqual({ epoch: written.epoch, first: 1, last: 2 });
    expect(page.messages.map((m) => [m.offset, m.event, m.data])).toEqual([
      [1, 'hi', '{"a":1}'],
      [2, undefined, '2'],
    ]);
    expect(again.historySize()).toBe(2);
  });

  it('forgets a channel idle past its max age on sweep; it then starts a new epoch', async () => {
    let now = 1_000_000;
    const engine = engineAt(await tempDir(), () => now);
    const limits = { size: 10, maxAgeMs: 1000 };
    const written = await engine.append('idle', [{ event: undefined, data: '1' }], limits, 'k');
    now += 900;
    engine.sweep();
    expect(await engine.state('idle', limits)).toEqual({ epoch: written.epoch, first: 1, last: 1 });
    now += 200;
    engine.sweep();
    expect(engine.historySize()).toBe(0);
    const after = await engine.state('idle', limits);
    expect(after.epoch).not.toBe(written.epoch);
    expect(after).toMatchObject({ first: 1, last: 0 });
    // The forgotten channel's idempotency keys went with it.
    expect((await engine.append('idle', [{ event: undefined, data: '1' }], limits, 'k')).duplicate).toBe(false);
  });

  it('at the channel cap forgets the least recently used unwatched channel, never a watched one', async () => {
    let now = 1_000_000;
    const engine = new SqliteEngine({ path: await tempDir(), sweepIntervalMs: 0, maxChannels: 2, now: () => now });
    engines.push(engine);
    const feed = engine.openFeed({ messages: () => {}, resync: () => {} });
    feed.watch('watched');
    const w = await engine.append('watched', [{ event: undefined, data: '1' }], LIMITS);
    const old = await engine.append('old', [{ event: undefined, data: '1' }], LIMITS);
    now += 5_000;
    await engine.append('new', [{ event: undefined, data: '1' }], LIMITS);
    expect([engine.channelCount(), engine.channelsEvicted(), engine.historySize()]).toEqual([2, 1, 2]);
    expect((await engine.state('watched', LIMITS)).epoch).toBe(w.epoch);
    feed.watch('new');
    // Every channel is watched: a new one is refused, and nothing changed.
    await expect(engine.state('other', LIMITS)).rejects.toMatchObject({ code: 'unavailable', status: 503 });
    await expect(engine.append('other', [{ event: undefined, data: '1' }], LIMITS)).rejects.toMatchObject({
      code: 'unavailable',
    });
    expect([engine.channelCount(), engine.historySize()]).toEqual([2, 2]);
    feed.unwatch('new');
    const back = await engine.state('old', LIMITS);
    expect(back.epoch).not.toBe(old.epoch);
    expect(back).toMatchObject({ first: 1, last: 0 });
  });

  it('fails at once on a directory it cannot create under procfs, instead of spinning', async () => {
    // In a child with a deadline: Node's recursive mkdir loops forever there, and a synchronous loop
    // in this process would hang the run instead of failing the test.
    const dir = await tempDir();
    const script = join(dir, 'child.mts');
    const engineUrl = new URL('./sqlite-engine.ts', import.meta.url).href;
    await writeFile(
      script,
      `import { SqliteEngine } from ${JSON.stringify(engineUrl)};
try {
  new SqliteEngine({ path: '/proc/herald-nope/data', sweepIntervalMs: 0 });
  process.stdout.write('opened');
} catch (error) {
  process.stdout.write('failed ' + error.code);
}
`,
    );
    const started = Date.now();
    const { out } = await run(process.execPath, ['--import', 'tsx', script], 15_000);
    expect(out).toBe('failed ENOENT');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('refuses a database with another schema version', async () => {
    const file = join(await tempDir(), 'other.db');
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => new SqliteEngine({ path: file })).toThrow(/schema version 99/);
  });

  for (const ending of ['exit', 'SIGKILL'] as const) {
    it(`keeps every acknowledged append when the process dies (${ending}, no close)`, async () => {
      const dir = await tempDir();
      const script = join(dir, 'child.mts');
      const engineUrl = new URL('./sqlite-engine.ts', import.meta.url).href;
      await writeFile(
        script,
        `import { SqliteEngine } from ${JSON.stringify(engineUrl)};
const engine = new SqliteEngine({ path: process.argv[2] ?? '', sweepIntervalMs: 0 });
for (let i = 1; i <= 100; i++) {
  const r = await engine.append('crash', [{ event: undefined, data: String(i) }], ${JSON.stringify(LIMITS)});
  // Writes to a pipe are synchronous on POSIX, so every printed line is an acknowledged append.
  process.stdout.write(r.epoch + ' ' + r.messages[0]?.offset + '\\n');
}
${ending === 'exit' ? 'process.exit(0);' : "process.kill(process.pid, 'SIGKILL');"}
`,
      );
      const { out, code, signal } = await run(process.execPath, ['--import', 'tsx', script, join(dir, 'db')]);
      expect(ending === 'exit' ? code : signal).toBe(ending === 'exit' ? 0 : 'SIGKILL');
      const acks = out.trim().split('\n');
      expect(acks).toHaveLength(100);
      const epoch = acks[0]?.split(' ')[0];
      expect(acks).toEqual(Array.from({ length: 100 }, (_, i) => `${epoch} ${i + 1}`));
      // A killed process never checkpointed: the acknowledged appends are only in the WAL.
      if (ending === 'SIGKILL') expect(statSync(join(dir, 'db', `${SQLITE_FILE_NAME}-wal`)).size).toBeGreaterThan(0);

      const engine = engineAt(join(dir, 'db'));
      const page = await engine.read('crash', 0, 1000, LIMITS);
      expect(page.state).toEqual({ epoch, first: 1, last: 100 });
      expect(page.messages.map((m) => m.data)).toEqual(Array.from({ length: 100 }, (_, i) => String(i + 1)));
      expect(offsetsAfterAppend(await engine.append('crash', [{ event: undefined, data: '101' }], LIMITS))).toEqual([
        101,
      ]);
    });
  }
});

function offsetsAfterAppend(result: { messages: ReadonlyArray<{ offset: number }> }): number[] {
  return result.messages.map((m) => m.offset);
}

/**
 * Runs a child process to its end (killed after `timeoutMs` if given), collecting stdout (stderr
 * included in the error when it fails to start).
 */
function run(
  command: string,
  args: string[],
  timeoutMs?: number,
): Promise<{ out: string; code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (out === '' && err !== '') reject(new Error(err));
      else resolve({ out, code, signal });
    });
  });
}
