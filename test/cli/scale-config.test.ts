import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseServe } from './io.ts';

// The scale-out settings of `herald serve`: --redis, --redis-prefix, --workers (parsed in-process).

const dir = mkdtempSync(join(tmpdir(), 'herald-scale-config-'));

function configFile(content: unknown): string {
  const path = join(dir, `herald-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('serve --redis, --redis-prefix and --workers', () => {
  it('defaults to one process on the in-memory engine', async () => {
    const { config } = await parseServe([]);
    expect(config).toMatchObject({ redis: undefined, workers: 1, data: undefined });
  });

  it('reads each from a flag, a variable or the file, flags first', async () => {
    const file = configFile({ redis: 'redis://file:6379', redisPrefix: 'file', workers: 3 });
    expect((await parseServe(['--config', file])).config).toMatchObject({
      redis: { url: 'redis://file:6379', prefix: 'file' },
      workers: 3,
    });
    vi.stubEnv('HERALD_REDIS_URL', 'redis://env:6379');
    vi.stubEnv('HERALD_REDIS_PREFIX', 'env');
    vi.stubEnv('HERALD_WORKERS', '2');
    expect((await parseServe(['--config', file])).config).toMatchObject({
      redis: { url: 'redis://env:6379', prefix: 'env' },
      workers: 2,
    });
    const flags = ['--redis', 'rediss://u:p@flag:6380/1', '--redis-prefix', 'a:b', '--workers', '4'];
    expect((await parseServe(['--config', file, ...flags])).config).toMatchObject({
      redis: { url: 'rediss://u:p@flag:6380/1', prefix: 'a:b' },
      workers: 4,
    });
  });

  it('takes the key prefix herald by default, and auto as one worker per core', async () => {
    const { config } = await parseServe(['--redis', 'redis://127.0.0.1:6379', '--workers', 'auto']);
    expect(config).toMatchObject({ redis: { prefix: 'herald' }, workers: availableParallelism() });
  });

  it.each([
    [['--workers', '2'], '--workers needs a shared engine: add --redis redis://…'],
    [['--workers', 'auto', '--data', '/tmp/x'], '--workers needs a shared engine: add --redis'],
    [['--redis', 'redis://h', '--data', '/tmp/x'], '--redis and --data exclude each other'],
    [['--redis', 'http://h:6379'], 'config error: --redis: expected a Redis URL such as redis://127.0.0.1:6379'],
    [['--redis', 'redis://h', '--redis-prefix', 'a{b}'], 'config error: --redis-prefix: expected a key prefix'],
    [['--redis', 'redis://h', '--workers', '0'], 'config error: --workers: expected a positive integer (processes)'],
    [['--redis', 'redis://h', '--workers', 'many'], 'config error: --workers: expected a positive integer'],
  ])('refuses %j', async (args, message) => {
    const { code, err } = await parseServe(args);
    expect(code).toBe(1);
    expect(err).toContain(message);
  });

  it('names the file key of a bad value in the file', async () => {
    const { err } = await parseServe(['--config', configFile({ redis: 'localhost:6379', workers: 1.5 })]);
    expect(err).toContain('config error: redis: expected a Redis URL');
    expect(err).toContain('config error: workers: expected a positive integer (processes) or auto');
  });
});
