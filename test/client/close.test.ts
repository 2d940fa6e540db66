import { spawn } from 'node:child_process';
import { connect } from '@herald/client';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { FAST, waitFor } from './helpers.ts';

describe('close()', () => {
  let server: TestServer;
  afterEach(async () => {
    await server?.close();
  });

  it('leaves nothing behind: a Node process that used every transport exits by itself', async () => {
    server = await startTestServer({ shutdownTimeoutMs: 100 });
    // Spawn node itself (not npx): npx runs npm → sh → node, and a signal to npm
    // would not reach node. `--conditions herald-source`: @herald/client is its TypeScript sources, as in vitest.
    const args = [
      '--conditions',
      'herald-source',
      '--import',
      'tsx',
      'test/client/exit-child.ts',
      server.url,
      server.apiKey,
    ];
    const child = spawn(process.execPath, args, {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 15_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(out).toContain('poll ok');
    expect(code, `child did not exit by itself:\n${out}`).toBe(0);
  });

  it('ends subscriptions and iterators, rejects later calls, and is idempotent', async () => {
    server = await startTestServer({ shutdownTimeoutMs: 100 });
    const client = connect(server.url, { ...FAST, token: server.apiKey, transports: ['websocket'] });
    const sub = client.subscribe('c');
    const iterator = sub[Symbol.asyncIterator]();
    const next = iterator.next();
    await waitFor(() => client.state.state === 'open');
    await Promise.all([client.close(), client.close()]);
    expect(await next).toEqual({ value: undefined, done: true });
    expect(sub.closed).toBe(true);
    expect(client.state.state).toBe('closed');
    await expect(client.publish('c', 1)).rejects.toMatchObject({ code: 'closed' });
    expect(() => client.subscribe('d')).toThrow(expect.objectContaining({ code: 'closed' }));
  });
});
