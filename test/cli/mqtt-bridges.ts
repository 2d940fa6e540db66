import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';

// Helpers of the CLI's bridge tests, which run against the machine's Mosquitto.

/** The broker (HERALD_TEST_MQTT_URL overrides it, as in CI). */
export const MQTT_URL = process.env.HERALD_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

const dir = mkdtempSync(join(tmpdir(), 'herald-bridges-'));

/** A name no other test or run uses: `prefix` + 8 hex digits. */
export function unique(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

/** Writes `config` to a config file of its own; returns the path. */
export function configFile(config: object): string {
  const file = join(dir, `${unique('herald-')}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** An MQTT 5 bridge from topics `<prefix>/{device}` into channels `<prefix>:{device}`, event `reading`. */
export function mqttBridge(prefix: string, overrides: object = {}) {
  return {
    type: 'mqtt',
    name: 'telemetry',
    url: MQTT_URL,
    clientId: unique('herald-cli-bridge-'),
    protocolVersion: 5,
    sessionExpirySeconds: 60,
    topics: [`${prefix}/+`],
    match: `${prefix}/{device}`,
    channel: `${prefix}:{device}`,
    event: 'reading',
    ...overrides,
  };
}

/** Publishes at QoS 1; `id` becomes the MQTT 5 `message-id` the bridge makes its idempotency key. */
export function send(producer: MqttClient, topic: string, data: unknown, id?: string): Promise<unknown> {
  const properties = id === undefined ? undefined : { userProperties: { 'message-id': id } };
  return producer.publishAsync(topic, JSON.stringify(data), { qos: 1, properties });
}

/** The messages of `channel` in the hub's history (after=0), offsets and data. */
export async function history(
  url: string,
  channel: string,
): Promise<Array<{ offset: number; event?: string; data: unknown }>> {
  const res = await fetch(`${url}/v1/channels/${channel}/messages?after=0&limit=1000`);
  if (res.status === 204) return []; // nothing yet
  const { messages } = (await res.json()) as { messages: Array<{ offset: number; event?: string; data: unknown }> };
  return messages.map(({ offset, event, data }) => ({ offset, event, data }));
}
