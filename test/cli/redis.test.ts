import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisPrefix, TEST_REDIS_URL } from '../helpers/engines.ts';
import { ensureBuilt } from './build.ts';
import { Cli, killAll, run, type Served, serve } from './processes.ts';

// `herald serve --redis …` in one process: real processes on the machine's Redis
// (HERALD_TEST_REDIS_URL), each test under a key prefix of its own, deleted after.

const KEY = 'cli-redis-key-0123456789';
const prefixes: string[] = [];

beforeAll(ensureBuilt, 60_000);
afterEach(killAll);
afterAll(async () => {
  for (const prefix of prefixes) await deleteRedisPrefix(TEST_REDIS_URL, prefix);
});

function freshPrefix(): string {
  const prefix = `herald-cli-test-${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  return prefix;
}

async function stop(served: Served): Promise<void> {
  served.cli.child.kill('SIGTERM');
  expect(await served.cli.exited).toEqual({ code: 0, signal: null });
}

describe('herald serve --redis (spawned)', () => {
  it('two hubs on one Redis and prefix share channels: history, epoch and live messages', async () => {
    const prefix = freshPrefix();
    const args = ['--api-key', KEY, '--log-level', 'info'];
    const a = await serve([...args, '--redis', TEST_REDIS_URL, '--redis-prefix', prefix]);
    // The variables work as the flags do.
    const b = await serve(args, { HERALD_REDIS_URL: TEST_REDIS_URL, HERALD_REDIS_PREFIX: prefix });
    await a.cli.waitForLine(/^History: Redis at redis:\/\/\S+, keys herald-cli-test-\w+:\* \(shared by every node\)$/);
    const [, logLine = ''] = await b.cli.waitForLine(/^(\{.*"msg":"listening".*\})$/);
    expect(JSON.parse(logLine)).toMatchObject({ engine: 'redis' });

    const first = await run(['publish', 'shared', '"one"', '--url', a.url, '--api-key', KEY]);
    expect(first.code, first.stderr).toBe(0);
    const { epoch } = JSON.parse(first.stdout) as { epoch: string };
    const sub = new Cli(['subscribe', 'shared', '--url', b.url, '--after', '0', '--count', '2']);
    await sub.waitForLines(1);
    expect((await run(['publish', 'shared', '"two"', '--url', a.url, '--api-key', KEY])).code).toBe(0);
    expect(await sub.exited).toEqual({ code: 0, signal: null });
    expect(sub.lines.map((l) => JSON.parse(l) as { data: unknown; cursor: string })).toEqual([
      expect.objectContaining({ data: 'one', cursor: `${epoch}:1` }),
      expect.objectContaining({ data: 'two', cursor: `${epoch}:2` }),
    ]);
    await stop(a);
    await stop(b);
  });

  it('fails within the bounded wait when Redis cannot be reached, naming the URL without its password', async () => {
    // A port that was free a moment ago: nothing answers there.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const started = Date.now();
    const out = await run(['serve', '--port', '0', '--redis', `redis://herald:s3cret-pw@127.0.0.1:${port}`]);
    expect(out.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(out.stderr).toContain(`cannot reach Redis at redis://herald:***@127.0.0.1:${port} within 5 s`);
    expect(out.stdout + out.stderr).not.toContain('s3cret-pw');
  }, 20_000);

  it('refuses --redis together with --data, naming both', async () => {
    const out = await run(['serve', '--redis', TEST_REDIS_URL, '--data', '/tmp/herald-unused']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/--redis and --data/);
  });
});
