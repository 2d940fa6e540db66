import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';

/** A running demo producer. */
export interface DemoProducer {
  stop(): Promise<void>;
}

/** How often the producer publishes, ms. */
const EVERY_MS = 1_000;

/**
 * A stand-in for an application that already publishes events to MQTT: every second a greenhouse
 * sensor reading, as a chat line, to `topic` (QoS 1, MQTT 5 user property `message-id` so a redelivery
 * is stored once). The client is loaded only when the demo bridge runs.
 */
export async function startMqttProducer(url: string, topic: string): Promise<DemoProducer> {
  const { connectAsync } = await import('mqtt');
  const client: MqttClient = await connectAsync(url, {
    protocolVersion: 5,
    clientId: `herald-demo-producer-${process.pid}`,
    connectTimeout: 2_000,
    reconnectPeriod: 1_000,
  });
  client.on('error', () => {});
  let n = 0;
  const timer = setInterval(() => {
    n++;
    const celsius = (21 + 2 * Math.sin(n / 20)).toFixed(1);
    const humidity = Math.round(48 + 6 * Math.cos(n / 15));
    const text = `greenhouse #${n}: ${celsius} °C, ${humidity}% RH (published to MQTT ${topic}, bridged into Herald)`;
    const payload = JSON.stringify({ name: 'mqtt-sensor', text });
    const properties = { userProperties: { 'message-id': randomUUID() } };
    client.publish(topic, payload, { qos: 1, properties }, () => {});
  }, EVERY_MS);
  return {
    async stop() {
      clearInterval(timer);
      await client.endAsync().catch(() => {});
    },
  };
}
