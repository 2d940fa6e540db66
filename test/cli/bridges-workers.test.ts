import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisPrefix, TEST_REDIS_URL } from '../helpers/engines.ts';
import { eventually } from '../helpers/inbox.ts';
import { ensureBuilt } from './build.ts';
import { configFile, history, MQTT_URL, mqttBridge, send, unique } from './mqtt-bridges.ts';
import { killAll, serve } from './processes.ts';

// `herald serve --workers 2 --redis … --config` with MQTT bridges: a source that hands every message to
// every subscriber runs in worker 1 only, a shared subscription in both, and either way each message
// is published once. Messages carry no id, so no idempotency key would hide a second publish.
const KEY = 'cli-bridge-key-0123456789';
const prefixes: string[] = [];
let producer: MqttClient;

beforeAll(async () => {
  await ensureBuilt();
  producer = await connectAsync(MQTT_URL, { protocolVersion: 5, clientId: unique('herald-cli-producer-') });
}, 60_000);
afterEach(killAll);
afterAll(async () => {
  await producer?.endAsync();
  for (const prefix of prefixes) await deleteRedisPrefix(TEST_REDIS_URL, prefix);
});

describe('bridges under serve --workers', () => {
  it('runs a plain subscription in worker 1 only and a shared one in every worker: each message once', async () => {
    const plain = unique('hbp');
    const shared = unique('hbs');
    const redisPrefix = unique('herald-cli-test-');
    prefixes.push(redisPrefix);
    const file = configFile({
      bridges: [mqttBridge(plain, { name: 'plain' }), mqttBridge(shared, { name: 'shared', shareGroup: unique('g') })],
    });
    const args = ['--api-key', KEY, '--workers', '2', '--redis', TEST_REDIS_URL, '--redis-prefix', redisPrefix];
    const { url, cli } = await serve([...args, '--config', file, '--log-level', 'info'], {}, 20_000);
    await cli.waitForLine(
      /^Bridges: plain \(mqtt, worker 1 only: no shareGroup: every subscriber gets every message\), shared \(mqtt, every worker\)$/,
    );
    // Three connections: plain in worker 1, shared in both (each with a client id of its own).
    await eventually(
      () => cli.lines.filter((l) => l.includes('"msg":"bridge up"')).length >= 3,
      15_000,
      'bridges up',
      100,
    );

    for (let i = 1; i <= 6; i++) {
      await send(producer, `${plain}/d`, { i });
      await send(producer, `${shared}/d`, { i });
    }
    const count = async (prefix: string) => (await history(url, `${prefix}:d`)).length;
    await eventually(async () => (await count(plain)) >= 6 && (await count(shared)) >= 6, 10_000, '6 + 6', 100);
    // Time for a second copy to arrive, were one on its way.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await history(url, `${plain}:d`)).map((m) => m.data)).toEqual([1, 2, 3, 4, 5, 6].map((i) => ({ i })));
    const sharedData = (await history(url, `${shared}:d`)).map((m) => (m.data as { i: number }).i);
    expect(sharedData.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });
});
