import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseServe } from './io.ts';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('serve --demo and --max-blob-bytes', () => {
  it('--demo alone turns the demo on; it is off by default', async () => {
    expect((await parseServe([])).config?.demo).toBe(false);
    expect((await parseServe(['--demo'])).config?.demo).toBe(true);
    expect((await parseServe(['--demo', '--port', '0'])).config).toMatchObject({ demo: true, port: 0 });
    expect((await parseServe(['--demo', 'off'])).config?.demo).toBe(false);
  });

  it('reads HERALD_DEMO as a word, a flag wins over it, and a bad word is an error naming it', async () => {
    vi.stubEnv('HERALD_DEMO', 'yes');
    expect((await parseServe([])).config?.demo).toBe(true);
    expect((await parseServe(['--demo', 'false'])).config?.demo).toBe(false);
    vi.stubEnv('HERALD_DEMO', '0');
    expect((await parseServe([])).config?.demo).toBe(false);
    vi.stubEnv('HERALD_DEMO', 'maybe');
    const bad = await parseServe([]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('config error: HERALD_DEMO: expected true or false');
  });

  it('takes demo and maxBlobBytes from a config file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'herald-demo-config-')), 'herald.json');
    writeFileSync(file, JSON.stringify({ demo: true, maxBlobBytes: 1000 }));
    const { config } = await parseServe(['--config', file]);
    expect(config?.demo).toBe(true);
    expect(config?.server.maxBlobBytes).toBe(1000);
    expect((await parseServe(['--max-blob-bytes', '5'])).config?.server.maxBlobBytes).toBe(5);
    expect((await parseServe([])).config?.server.maxBlobBytes).toBe(64 * 1024 * 1024);
    const bad = await parseServe(['--max-blob-bytes', '0']);
    expect(bad.err).toContain('config error: --max-blob-bytes: expected a positive integer (bytes)');
  });
});
