import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './build.ts';
import { killAll, run, serve, stop } from './processes.ts';

const KEY = 'cli-demo-key-0123456789';
const VIDEO = join(ROOT, 'web/media/demo-video.webm');
const dirs: string[] = [];

beforeAll(ensureBuilt, 60_000);
afterEach(killAll);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function lastOffset(url: string, channel: string): Promise<number> {
  const res = await fetch(`${url}/v1/channels/${channel}`);
  return res.status === 200 ? ((await res.json()) as { lastOffset: number }).lastOffset : 0;
}

describe('herald demo (spawned)', () => {
  it('publishes to every demo channel for --duration seconds, then exits 0', async () => {
    const hub = await serve(['--api-key', KEY]);
    const out = await run(['demo', '--url', hub.url, '--api-key', KEY, '--duration', '2']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^Publishing demo traffic to http:\/\/127\.0\.0\.1:\d+, for 2 s/m);
    const published = Number(/Published (\d+) messages/.exec(out.stdout)?.[1]);
    expect(published).toBeGreaterThan(40);
    expect(await lastOffset(hub.url, 'ticker:HRLD')).toBeGreaterThan(5);
    expect(await lastOffset(hub.url, 'scores:live')).toBeGreaterThan(1);
    expect(await lastOffset(hub.url, 'notifications:demo')).toBeGreaterThanOrEqual(1);
    await stop(hub);
  });

  it('exits 1 with the reason when it cannot publish', async () => {
    const hub = await serve(['--api-key', KEY]);
    const noKey = await run(['demo', '--url', hub.url, '--duration', '1']);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('unauthorized');
    await stop(hub);
    const down = await run(['demo', '--url', hub.url, '--api-key', KEY, '--duration', '1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot publish to .*ECONNREFUSED/);
  });
});

describe('herald serve --demo (spawned)', () => {
  it('runs the simulator in-process, stores the demo video and opens the demo namespaces', async () => {
    const data = mkdtempSync(join(tmpdir(), 'herald-demo-data-'));
    dirs.push(data);
    const hub = await serve(['--demo', '--data', data]);
    await hub.cli.waitForLine(/^Demo: simulated traffic on; blob demo-video stored/);

    const video = await fetch(`${hub.url}/v1/blobs/demo-video`, { headers: { range: 'bytes=0-1023' } });
    expect(video.status).toBe(206);
    expect(video.headers.get('content-type')).toBe('video/webm');
    expect(video.headers.get('content-range')).toBe(`bytes 0-1023/${statSync(VIDEO).size}`);
    expect((await video.arrayBuffer()).byteLength).toBe(1024);
    // Blobs live beside the SQLite file.
    expect(readdirSync(join(data, 'blobs', 'meta'))).toEqual(['demo-video.json']);

    const start = await lastOffset(hub.url, 'ticker:ACME');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await lastOffset(hub.url, 'ticker:ACME')).toBeGreaterThan(start);

    const presence = await fetch(`${hub.url}/v1/channels/chat:lobby/presence`);
    expect(presence.status).toBe(200);
    const anonymous = await fetch(`${hub.url}/v1/channels/chat:lobby/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'message', data: { name: 'test', text: 'hi' } }),
    });
    expect(anonymous.status).toBe(201);
    // Namespaces the demo does not open keep the defaults.
    const closed = await fetch(`${hub.url}/v1/channels/ticker:ACME/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"data":1}',
    });
    expect(closed.status).toBe(401);
    await stop(hub);
  });

  it('is off by default and off with HERALD_DEMO=false', async () => {
    expect(existsSync(VIDEO)).toBe(true);
    const hub = await serve([], { HERALD_DEMO: 'false' });
    expect((await fetch(`${hub.url}/v1/blobs/demo-video`)).status).toBe(404);
    expect((await fetch(`${hub.url}/v1/channels/chat:lobby/presence`)).status).toBe(404);
    expect(hub.cli.errLines.some((l) => l.startsWith('Demo:'))).toBe(false);
    await stop(hub);
  });
});
