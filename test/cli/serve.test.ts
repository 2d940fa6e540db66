import { request } from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ensureBuilt } from './build.ts';
import { Cli, killAll, run, serve } from './processes.ts';

const KEY = 'cli-test-key-0123456789';

beforeAll(ensureBuilt, 60_000);
afterEach(killAll);

describe('herald serve, publish and subscribe (spawned)', () => {
  it('prints the bound URL and a generated key that publishes', async () => {
    const { url, keyLine, cli } = await serve();
    const [key = '', note] = keyLine.split(' ', 2);
    expect(key).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(note).toBe('(generated');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await cli.waitForLine(/^History: in memory/);
    const ok = await run(['publish', 'scores', '{"score":"2-1"}', '--url', url, '--api-key', key]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ channel: 'scores', offset: 1 });
  });

  it('delivers a replayed and a live message over every transport, with cursors', async () => {
    const { url } = await serve(['--api-key', KEY, '--poll-interval-min-ms', '50', '--poll-interval-max-ms', '100']);
    const env = { HERALD_URL: url, HERALD_API_KEY: KEY };
    const first = await run(['publish', 'game:1', '{"n":1}', '--event', 'goal'], env);
    expect(first.code, first.stderr).toBe(0);
    const { epoch } = JSON.parse(first.stdout) as { epoch: string };
    const transports = ['websocket', 'sse', 'ndjson', 'long-poll', 'poll'];
    const subs = transports.map(
      (t) => new Cli(['subscribe', 'game:1', '--transport', t, '--after', '0', '--count', '2'], env),
    );
    // The replayed message proves each subscriber is connected before the live one is published.
    // Five node processes starting at once: allow for a loaded 2-core machine.
    await Promise.all(subs.map((s) => s.waitForLines(1, 20_000)));
    const second = await run(['publish', 'game:1', '"two"'], { HERALD_URL: url }, undefined);
    expect(second.code).toBe(1); // no key: anonymous publish is off by default
    expect(JSON.parse(second.stderr)).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await run(['publish', 'game:1', '-'], env, '"two"\n')).code).toBe(0);
    for (const [i, sub] of subs.entries()) {
      expect(await sub.exited, transports[i]).toEqual({ code: 0, signal: null });
      const lines = sub.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines, transports[i]).toEqual([
        { channel: 'game:1', offset: 1, event: 'goal', data: { n: 1 }, time: expect.any(Number), cursor: `${epoch}:1` },
        { channel: 'game:1', offset: 2, data: 'two', time: expect.any(Number), cursor: `${epoch}:2` },
      ]);
    }
  }, 45_000);

  it('reports publish errors on stderr with exit 1', async () => {
    const { url } = await serve(['--api-key', KEY]);
    const env = { HERALD_URL: url, HERALD_API_KEY: KEY };
    const badJson = await run(['publish', 'c', '{nope'], env);
    expect(badJson.code).toBe(1);
    expect(badJson.stderr).toContain('not valid JSON');
    const badName = await run(['publish', 'bad name!', '1'], env);
    expect(badName.code).toBe(1);
    expect(JSON.parse(badName.stderr)).toMatchObject({ error: { code: 'bad_request' } });
    const refused = await run(['subscribe', 'c', '--transport', 'websocket', '--after', 'not-a-cursor'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/HTTP 400/);
    const closed = await run(['publish', 'c', '1', '--url', 'http://127.0.0.1:9'], { HERALD_API_KEY: KEY });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain('cannot reach http://127.0.0.1:9');
  });

  it('exits 0 within the bound on SIGTERM with an open SSE stream and WebSocket', async () => {
    const { url, cli } = await serve(['--api-key', KEY]);
    const sse = await openSse(`${url}/v1/channels/live/messages`);
    const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/channels/live/messages`);
    const closeCode = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise((resolve) => ws.once('message', resolve)); // {"subscribed": …}
    const started = Date.now();
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(1_000 + 2_000); // --shutdown-timeout-ms 1000 + the CLI's margin
    expect(await closeCode).toBe(1001);
    expect(await sse.ended).toContain('event: herald.close');
  });

  it('fails fast with a clear message on a bad option or a busy port', async () => {
    const bad = await run(['serve', '--port', 'eighty']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('config error: --port: expected a port number');
    const { port } = await serve(['--api-key', KEY]);
    const busy = await run(['serve', '--port', String(port), '--log-level', 'silent']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
  });
});

/** Opens an SSE response; `ended` resolves with everything received once the server ends it. */
function openSse(url: string): Promise<{ ended: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      let body = '';
      const ended = new Promise<string>((done) => {
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => done(body));
        res.on('close', () => done(body));
      });
      res.once('data', () => resolve({ ended }));
    });
    req.on('error', reject);
    req.end();
  });
}
