import { Writable } from 'node:stream';
import { MemoryEngine } from '@herald/core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { expectHealthy, type HostileHub, send, startHub } from './hostile-kit.ts';

// Threat T15 in SECURITY.md: a `?token=` never reaches a log line or the metrics, even when a request fails in
// a way that is logged with its URL.
const SECRET = 'secret-api-key-that-must-not-leak';
const lines: string[] = [];

/**
 * A memory engine that fails unexpectedly on one channel, so the request is logged with its URL. Every
 * way to a state fails: a pull asks for states in a batch (`states`), a conditional poll synchronously.
 */
class FailingEngine extends MemoryEngine {
  override stateNow(...args: Parameters<MemoryEngine['stateNow']>) {
    if (args[0] === 'boom') throw new Error('disk on fire');
    return super.stateNow(...args);
  }
  override async states(...args: Parameters<MemoryEngine['states']>) {
    if (args[0].some((r) => r.channel === 'boom')) throw new Error('disk on fire');
    return super.states(...args);
  }
}

let hub: HostileHub;
beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  hub = await startHub({
    engine: new FailingEngine({ sweepIntervalMs: 0 }),
    apiKeys: [SECRET],
    logger: pino({ level: 'trace' }, sink),
  });
});
afterAll(() => hub.close());

describe('token redaction', () => {
  it('a failing request is logged with its URL, the token redacted (plain and %-encoded names)', async () => {
    for (const name of ['token', '%74oken', 'TOKEN']) {
      const a = await send(hub, `/v1/channels/boom/messages?${name}=${SECRET}&limit=5`);
      expect(a.status).toBe(500);
    }
    const logged = lines.join('');
    expect(logged).toContain('request failed');
    expect(logged).toContain('token=[redacted]');
    expect(logged).not.toContain(SECRET);
  });

  it('WebSocket and stream errors with a token in the URL log no token', async () => {
    const ws = new WebSocket(`${hub.url.replace('http', 'ws')}/v1/channels/boom/messages?token=${SECRET}`);
    await new Promise((resolve) => ws.on('close', resolve).on('error', () => {}));
    await send(hub, `/v1/channels/boom/messages?token=${SECRET}`, { headers: { accept: 'text/event-stream' } });
    await send(hub, `/v1/channels/boom/messages?token=${SECRET}`, { headers: { accept: 'application/x-ndjson' } });
    expect(lines.join('')).not.toContain(SECRET);
  });

  it('the metrics hold no token either', async () => {
    const metrics = await send(hub, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).not.toContain(SECRET);
    expect(metrics.body).not.toContain('token=');
    await expectHealthy(hub);
  });
});
