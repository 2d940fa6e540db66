import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSse } from '../helpers/clients.ts';
import { eventually } from '../helpers/inbox.ts';
import { ensureBuilt } from './build.ts';
import { configFile, history, MQTT_URL, mqttBridge, send as sendWith, unique } from './mqtt-bridges.ts';
import { Cli, killAll, run, serve } from './processes.ts';

// Bridges run by the CLI against the machine's Mosquitto (docs/bridges.md, "Running bridges").
const KEY = 'cli-bridge-key-0123456789';
let producer: MqttClient;

beforeAll(async () => {
  await ensureBuilt();
  producer = await connectAsync(MQTT_URL, { protocolVersion: 5, clientId: unique('herald-cli-producer-') });
}, 60_000);
afterAll(() => producer?.endAsync());
afterEach(killAll);

const send = (topic: string, data: unknown, id: string) => sendWith(producer, topic, data, id);

async function readyz(url: string): Promise<{ bridges?: Array<{ name: string; state: string }> }> {
  return (await (await fetch(`${url}/readyz`)).json()) as { bridges?: Array<{ name: string; state: string }> };
}

describe('bridges in herald serve and herald bridge (Mosquitto)', () => {
  it('serve --config runs the bridge: a broker message reaches an SSE subscriber, /readyz and /metrics show it', async () => {
    const prefix = unique('hb');
    const { url, cli } = await serve(['--api-key', KEY, '--config', configFile({ bridges: [mqttBridge(prefix)] })]);
    await cli.waitForLine(/^Bridges: telemetry \(mqtt\)$/);
    await eventually(async () => (await readyz(url)).bridges?.[0]?.state === 'up', 10_000, 'the bridge up', 100);
    expect(await readyz(url)).toEqual({
      status: 'ready',
      bridges: [{ name: 'telemetry', type: 'mqtt', state: 'up', since: expect.any(Number) }],
    });

    const sse = await openSse(`${url}/v1/channels/${prefix}:d1/messages`);
    try {
      await send(`${prefix}/d1`, { celsius: 21.5 }, 'm-1');
      const frames = await sse.frames.until((f) => f.kind === 'event' && f.event === 'reading', 8_000, 'the message');
      expect(frames.at(-1)).toMatchObject({ kind: 'event', event: 'reading', data: '{"celsius":21.5}' });
    } finally {
      sse.close();
    }
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('herald_bridge_up{bridge="telemetry",type="mqtt"} 1');
    expect(metrics).toContain('herald_bridge_messages_total{bridge="telemetry",type="mqtt",outcome="published"} 1');

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('herald bridge feeds a running hub over HTTP; a redelivered message (same id) is published once', async () => {
    const prefix = unique('hb');
    const { url } = await serve(['--api-key', KEY]);
    const file = configFile({ bridges: [mqttBridge(prefix)] });
    const bridge = new Cli(['bridge', '--config', file, '--url', url, '--api-key', KEY]);
    await bridge.waitForLine(new RegExp(`^Herald bridge publishing to ${url}$`));
    await bridge.waitForLine(/^Bridges: telemetry \(mqtt\)$/);
    await bridge.waitForLine(/"msg":"bridge up"/, 10_000);

    await send(`${prefix}/d2`, { n: 1 }, 'id-1');
    await send(`${prefix}/d2`, { n: 1 }, 'id-1'); // what the broker sends again when an ack was lost
    await send(`${prefix}/d2`, { n: 2 }, 'id-2');
    await eventually(async () => (await history(url, `${prefix}:d2`)).length >= 2, 10_000, 'two messages', 100);
    expect(await history(url, `${prefix}:d2`)).toEqual([
      { offset: 1, event: 'reading', data: { n: 1 } },
      { offset: 2, event: 'reading', data: { n: 2 } },
    ]);

    bridge.child.kill('SIGTERM');
    expect(await bridge.exited).toEqual({ code: 0, signal: null });
    expect(bridge.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });

  it('herald bridge stops at once when the hub refuses its key', async () => {
    const { url } = await serve(['--api-key', KEY]);
    const file = configFile({ bridges: [mqttBridge(unique('hb'))] });
    const out = await run(['bridge', '--config', file, '--url', url, '--api-key', 'not-the-key']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`herald bridge: ${url} refused the API key`);
  });

  it('a config with a bad bridge fails at start, naming its path', async () => {
    const file = configFile({
      bridges: [
        { type: 'rabbitmq', name: 'orders', channel: 'orders' },
        { type: 'rabbitmq', name: 'refunds', queue: 'refunds', channel: 'refund:{id}' },
      ],
    });
    for (const args of [
      ['serve', '--port', '0', '--config', file],
      ['bridge', '--config', file, '--url', 'http://127.0.0.1:9'],
    ]) {
      const out = await run(args);
      expect(out.code, args[0]).toBe(1);
      expect(out.stderr, args[0]).toContain(`config error: bridges.0.queue: expected a queue name (${file})`);
      expect(out.stderr, args[0]).toContain('config error: bridges.1.channel: uses {id}, which match does not capture');
    }
  });

  it('serve --demo bridges the local MQTT broker into the chat page', async () => {
    const { url, cli } = await serve(['--api-key', KEY, '--demo']);
    await cli.waitForLine(/^Demo bridge: MQTT herald-demo\/# -> chat:\{room\}/, 15_000);
    const sse = await openSse(`${url}/v1/channels/chat:random/messages`);
    try {
      const frames = await sse.frames.until(
        (f) => f.kind === 'event' && f.data.includes('"name":"mqtt-sensor"'),
        8_000,
        'a bridged sensor line',
      );
      expect(frames.at(-1)).toMatchObject({ event: 'message' });
    } finally {
      sse.close();
    }
  });
});
