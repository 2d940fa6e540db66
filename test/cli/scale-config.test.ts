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

describe('serve --nats and --nats-prefix', () => {
  it('reads each from a flag, a variable or the file, flags first; prefix herald by default', async () => {
    expect((await parseServe(['--nats', 'nats://127.0.0.1:4222'])).config).toMatchObject({
      nats: { url: 'nats://127.0.0.1:4222', prefix: 'herald' },
      redis: undefined,
      data: undefined,
    });
    const file = configFile({ nats: 'nats://file:4222', natsPrefix: 'file', workers: 3 });
    expect((await parseServe(['--config', file])).config).toMatchObject({
      nats: { url: 'nats://file:4222', prefix: 'file' },
      workers: 3,
    });
    vi.stubEnv('HERALD_NATS_URL', 'nats://env:4222');
    vi.stubEnv('HERALD_NATS_PREFIX', 'env');
    expect((await parseServe(['--config', file])).config).toMatchObject({
      nats: { url: 'nats://env:4222', prefix: 'env' },
    });
    const flags = ['--nats', 'tls://u:p@a:4222,nats://b:4222', '--nats-prefix', 'hub_2', '--workers', '2'];
    expect((await parseServe(['--config', file, ...flags])).config).toMatchObject({
      nats: { url: 'tls://u:p@a:4222,nats://b:4222', prefix: 'hub_2' },
      workers: 2,
    });
  });

  it.each([
    [['--nats', 'nats://h', '--data', '/tmp/x'], '--nats and --data exclude each other'],
    [['--redis', 'redis://h', '--nats', 'nats://h'], '--redis and --nats exclude each other'],
    [['--nats', 'redis://h:4222'], 'config error: --nats: expected a NATS URL such as nats://127.0.0.1:4222'],
    [['--nats', 'nats://h,localhost:4222'], 'config error: --nats: expected a NATS URL'],
    [['--nats', 'nats://h', '--nats-prefix', 'a.b'], 'config error: --nats-prefix: expected a stream prefix'],
    [['--workers', '2'], 'add --redis redis://… or --nats nats://…'],
  ])('refuses %j', async (args, message) => {
    const { code, err } = await parseServe(args);
    expect(code).toBe(1);
    expect(err).toContain(message);
  });

  it('accepts --workers with --nats alone', async () => {
    const { config } = await parseServe(['--nats', 'nats://127.0.0.1:4222', '--workers', 'auto']);
    expect(config).toMatchObject({ nats: { prefix: 'herald' }, workers: availableParallelism() });
  });
});
