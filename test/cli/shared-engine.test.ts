import { randomBytes } from 'node:crypto';
import { freePort } from '@herald/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deleteNatsPrefix, deleteRedisPrefix, TEST_NATS_URL, TEST_REDIS_URL } from '../helpers/engines.ts';
import { ensureBuilt } from './build.ts';
import { Cli, killAll, run, serve, stop } from './processes.ts';

// `herald serve --redis …` and `--nats …` in one process each: real processes on the machine's Redis
// (HERALD_TEST_REDIS_URL) and NATS with JetStream (HERALD_TEST_NATS_URL), each test under a prefix of
// its own, deleted after. What only NATS has is in nats.test.ts.

interface SharedEngine {
  readonly name: 'redis' | 'nats';
  readonly url: string;
  /** The variables that work as --<name> and --<name>-prefix do. */
  readonly urlVariable: string;
  readonly prefixVariable: string;
  /** The start-up line naming where history lives. */
  readonly historyLine: RegExp;
  /** The unreachable URL with a password, and how the error names it (redacted). */
  unreachable(port: number): { url: string; says: string };
  deletePrefix(url: string, prefix: string): Promise<void>;
}

const ENGINES: SharedEngine[] = [
  {
    name: 'redis',
    url: TEST_REDIS_URL,
    urlVariable: 'HERALD_REDIS_URL',
    prefixVariable: 'HERALD_REDIS_PREFIX',
    historyLine: /^History: Redis at redis:\/\/\S+, keys herald-cli-test-\w+:\* \(shared by every node\)$/,
    unreachable: (port) => ({
      url: `redis://herald:s3cret-pw@127.0.0.1:${port}`,
      says: `cannot reach Redis at redis://herald:***@127.0.0.1:${port} within 5 s`,
    }),
    deletePrefix: deleteRedisPrefix,
  },
  {
    name: 'nats',
    url: TEST_NATS_URL,
    urlVariable: 'HERALD_NATS_URL',
    prefixVariable: 'HERALD_NATS_PREFIX',
    historyLine: /^History: NATS JetStream at nats:\/\/\S+, stream herald-cli-test-\w+ \(shared by every node\)$/,
    unreachable: (port) => ({
      url: `nats://herald:s3cret-pw@127.0.0.1:${port}`,
      says: `cannot reach NATS JetStream at nats://herald:***@127.0.0.1:${port} within 5 s`,
    }),
    deletePrefix: deleteNatsPrefix,
  },
];

const prefixes: Array<{ engine: SharedEngine; prefix: string }> = [];

beforeAll(ensureBuilt, 60_000);
afterEach(killAll);
afterAll(async () => {
  for (const { engine, prefix } of prefixes) await engine.deletePrefix(engine.url, prefix);
});

describe.each(ENGINES)('herald serve --$name (spawned)', (engine) => {
  const KEY = `cli-${engine.name}-key-0123456789`;

  it('two hubs on one engine and prefix share channels: history, epoch and live messages', async () => {
    const prefix = `herald-cli-test-${randomBytes(4).toString('hex')}`;
    prefixes.push({ engine, prefix });
    const args = ['--api-key', KEY, '--log-level', 'info'];
    const a = await serve([...args, `--${engine.name}`, engine.url, `--${engine.name}-prefix`, prefix]);
    // The variables work as the flags do.
    const b = await serve(args, { [engine.urlVariable]: engine.url, [engine.prefixVariable]: prefix });
    await a.cli.waitForLine(engine.historyLine);
    const [, logLine = ''] = await b.cli.waitForLine(/^(\{.*"msg":"listening".*\})$/);
    expect(JSON.parse(logLine)).toMatchObject({ engine: engine.name });

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

  it('fails within the bounded wait when the engine cannot be reached, naming the URL without its password', async () => {
    const { url, says } = engine.unreachable(await freePort());
    const started = Date.now();
    const out = await run(['serve', '--port', '0', `--${engine.name}`, url]);
    expect(out.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(out.stderr).toContain(says);
    expect(out.stdout + out.stderr).not.toContain('s3cret-pw');
  }, 20_000);

  it('refuses --data beside it, naming both', async () => {
    const out = await run(['serve', `--${engine.name}`, engine.url, '--data', '/tmp/herald-unused']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`--${engine.name} and --data exclude each other`));
  });
});
