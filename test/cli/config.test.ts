import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseServe } from './io.ts';

const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));

function configFile(content: unknown, name = 'herald.json'): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('serve config precedence', () => {
  it('is flag > environment > file > default, key by key', async () => {
    const file = configFile({ port: 1111, host: 'file.local', streamHeartbeatMs: 100, wsPingMs: 101 });
    vi.stubEnv('HERALD_PORT', '2222');
    vi.stubEnv('HERALD_HEARTBEAT_MS', '200');
    vi.stubEnv('HERALD_CONFIG', file);
    const { config } = await parseServe(['--port', '3333']);
    expect(config?.port).toBe(3333); // flag over env over file
    expect(config?.server.streamHeartbeatMs).toBe(200); // env over file
    expect(config?.server.wsPingMs).toBe(101); // file over default
    expect(config?.host).toBe('file.local');
    expect(config?.server.maxBodyBytes).toBe(1024 * 1024); // default
    expect(config?.logLevel).toBe('info');
    expect(config?.apiKeys).toEqual([]);
    expect(config?.data).toBeUndefined();
  });

  it('merges namespace settings field by field; named namespaces inherit the resolved default', async () => {
    const file = configFile({
      defaultNamespace: { historySize: 10, presence: true },
      namespaces: { chat: { anonymousPublish: true } },
    });
    const { config } = await parseServe(['--config', file, '--history-size', '20']);
    const ns = config?.server.defaultNamespace;
    expect(ns?.history).toEqual({ size: 20, maxAgeMs: 3_600_000 });
    expect(ns?.presence).toBe(true);
    expect(config?.server.namespaces.chat).toMatchObject({
      history: { size: 20 },
      presence: true,
      anonymousPublish: true,
    });
  });

  it('takes comma-separated lists from variables and flag values as written', async () => {
    vi.stubEnv('HERALD_API_KEY', 'k1, k2,,k3');
    expect((await parseServe([])).config?.apiKeys).toEqual(['k1', 'k2', 'k3']);
    expect((await parseServe(['--api-key', 'a,b', '--api-key', 'c'])).config?.apiKeys).toEqual(['a,b', 'c']);
  });

  it('resolves paths in a file relative to the file, others relative to the working directory', async () => {
    const file = configFile({ data: 'store', jwt: { jwksFile: 'keys.json' } });
    const { config } = await parseServe(['--config', file]);
    expect(config?.data).toBe(join(dir, 'store'));
    expect(config?.server.jwt.jwksFile).toBe(join(dir, 'keys.json'));
    expect((await parseServe(['--data', 'rel'])).config?.data).toBe(join(process.cwd(), 'rel'));
  });
});

describe('serve config errors', () => {
  it.each([
    [{ namespaces: { chat: { historySiz: 5 } } }, 'config error: namespaces.chat.historySiz: unknown key'],
    [{ prot: 8080 }, 'config error: prot: unknown key'],
    [
      { namespaces: { chat: { historySize: 0 } } },
      'config error: namespaces.chat.historySize: expected a positive integer',
    ],
    [{ defaultNamespace: { presence: 'yes' } }, 'config error: defaultNamespace.presence: expected true or false'],
    [{ port: 70000 }, 'config error: port: expected a port number'],
    [{ apiKeys: ['ok', ''] }, 'config error: apiKeys.1: expected a non-empty API key'],
    [{ logLevel: 'loud' }, 'config error: logLevel: expected one of fatal, error'],
    [{ namespaces: { 'a:b': {} } }, 'config error: namespaces.a:b: expected a namespace name'],
    [{ jwt: { secret: 'short' } }, 'config error: jwt.secret: expected a secret of at least 32 bytes'],
    [{ pollIntervalMs: { min: 5000, max: 100 } }, 'config error: pollIntervalMs: min (5000) is above max (100)'],
    [[1, 2], 'config error: (top level): expected'],
  ])('file %j fails naming the key', async (content, message) => {
    const file = configFile(content);
    const { code, err, config } = await parseServe(['--config', file]);
    expect(config).toBeUndefined();
    expect(code).toBe(1);
    expect(err).toContain(message);
  });

  it('reports every bad key, not only the first', async () => {
    const { err } = await parseServe(['--config', configFile({ wsPingMs: -1, sseRetryMs: 'x' })]);
    expect(err).toContain('wsPingMs: expected a positive integer');
    expect(err).toContain('sseRetryMs: expected a positive integer');
  });

  it('names a file that is not JSON or missing', async () => {
    expect((await parseServe(['--config', configFile('{ "port": ', 'broken.json')])).err).toMatch(
      /broken\.json is not valid JSON/,
    );
    expect((await parseServe(['--config', join(dir, 'missing.json')])).err).toMatch(/cannot read .*missing\.json/);
  });

  it('names the flag or the variable a bad value came from', async () => {
    expect((await parseServe(['--port', 'abc'])).err).toContain('config error: --port: expected a port number');
    expect((await parseServe(['--heartbeat-ms', '1.5'])).err).toContain(
      'config error: --heartbeat-ms: expected a positive integer',
    );
    expect((await parseServe(['--api-key', ''])).err).toContain(
      'config error: --api-key: expected a non-empty API key',
    );
    vi.stubEnv('HERALD_HEARTBEAT_MS', '-5');
    expect((await parseServe([])).err).toContain('config error: HERALD_HEARTBEAT_MS: expected a positive integer');
    vi.stubEnv('HERALD_HEARTBEAT_MS', '0x10');
    expect((await parseServe([])).err).toContain('config error: HERALD_HEARTBEAT_MS');
  });

  it('refuses unknown flags', async () => {
    const { code, err } = await parseServe(['--prot', '1']);
    expect(code).toBe(1);
    expect(err).toContain("unknown option '--prot'");
  });
});
