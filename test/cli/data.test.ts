import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './build.ts';
import { Cli, killAll, run, serve, stop } from './processes.ts';

const KEY = 'cli-test-key-0123456789';
const dirs: string[] = [];

beforeAll(ensureBuilt, 60_000);
afterEach(killAll);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function pull(url: string, channel: string): Promise<{ epoch: string; messages: Array<{ data: unknown }> }> {
  const res = await fetch(`${url}/v1/channels/${channel}/messages`);
  expect(res.status).toBe(200);
  return (await res.json()) as { epoch: string; messages: Array<{ data: unknown }> };
}

describe('history across a hub restart (spawned)', () => {
  it('--data keeps history and epoch; a subscriber resumes without a reset or a duplicate', async () => {
    const data = mkdtempSync(join(tmpdir(), 'herald-data-'));
    dirs.push(data);
    const first = await serve(['--api-key', KEY, '--data', data]);
    await first.cli.waitForLine(/^History: SQLite in /);
    const env = { HERALD_URL: first.url, HERALD_API_KEY: KEY };
    expect((await run(['publish', 'keep', '"before"'], env)).code).toBe(0);
    const before = await pull(first.url, 'keep');
    const sub = new Cli(['subscribe', 'keep', '--transport', 'ndjson', '--after', '0', '--count', '2'], env);
    await sub.waitForLines(1);
    await stop(first);

    // Same port, so the subscriber's reconnects find the new process.
    const second = await serve(['--api-key', KEY, '--data', data, '--port', String(first.port)]);
    const after = await pull(second.url, 'keep');
    expect(after.epoch).toBe(before.epoch);
    expect(after.messages.map((m) => m.data)).toEqual(['before']);
    expect((await run(['publish', 'keep', '"after"'], env)).code).toBe(0);
    expect(await sub.exited).toEqual({ code: 0, signal: null });
    expect(sub.lines.map((l) => JSON.parse(l) as { data: unknown; cursor: string })).toEqual([
      expect.objectContaining({ data: 'before', cursor: `${before.epoch}:1` }),
      expect.objectContaining({ data: 'after', cursor: `${before.epoch}:2` }),
    ]);
    await stop(second);
  });

  it('without --data a restart changes the epoch, and a resuming subscriber prints the reset', async () => {
    const first = await serve(['--api-key', KEY]);
    const env = { HERALD_URL: first.url, HERALD_API_KEY: KEY };
    expect((await run(['publish', 'lost', '1'], env)).code).toBe(0);
    const sub = new Cli(['subscribe', 'lost', '--transport', 'websocket', '--after', '0', '--count', '2'], env);
    await sub.waitForLines(1);
    const { epoch } = await pull(first.url, 'lost');
    await stop(first);
    const second = await serve(['--api-key', KEY, '--port', String(first.port)]);
    expect((await run(['publish', 'lost', '2'], env)).code).toBe(0);
    expect(await sub.exited).toEqual({ code: 0, signal: null });
    const lines = sub.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const fresh = (await pull(second.url, 'lost')).epoch;
    expect(fresh).not.toBe(epoch);
    expect(lines).toEqual([
      expect.objectContaining({ offset: 1, data: 1, cursor: `${epoch}:1` }),
      { reset: { channel: 'lost', epoch: fresh, from: 1 } },
      expect.objectContaining({ offset: 1, data: 2, cursor: `${fresh}:1` }),
    ]);
    expect(sub.stderr).toContain('closed 1001');
  });
});
