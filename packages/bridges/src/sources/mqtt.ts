import { connect, connectAsync, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { ConfigOf } from '../config.ts';
import type { DeadLetter } from '../delivery.ts';
import type { SourceMessage } from '../mapping.ts';
import { once, reportBug, type Session, type Source, type SourceContext, settle, supervise } from '../source.ts';

type Config = ConfigOf<'mqtt'>;

const CLOSE_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * MQTT 3.1.1 / 5. A persistent session (stable client id, `clean: false`, session expiry on MQTT 5) keeps
 * QoS 1 messages in the broker while the bridge is away. The PUBACK of each message is held until the
 * hub stored it: MQTT.js hands messages over one at a time and reads the next only after the ack, so
 * order holds and the broker's in-flight window (MQTT 5 receive maximum = `prefetch`) bounds what is
 * outstanding. A message whose PUBACK never went out is sent again (DUP) on the next connection; its
 * idempotency key (user property `message-id` on MQTT 5) makes that a duplicate.
 *
 * Source fields: key = topic, id = user property `message-id`, headers = user properties.
 */
export function mqttSource(ctx: SourceContext<Config>): Source {
  return { run: () => supervise(ctx, (signal) => openSession(ctx, signal)) };
}

async function openSession(ctx: SourceContext<Config>, signal: AbortSignal): Promise<Session> {
  const { config } = ctx;
  const v5 = config.protocolVersion === 5;
  const options: IClientOptions = {
    clientId: config.clientId,
    clean: false,
    protocolVersion: config.protocolVersion,
    keepalive: config.keepaliveSeconds,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // The bridge reconnects itself (supervise): one client per connection, with backoff between them.
    reconnectPeriod: 0,
    resubscribe: false,
    // The handler below must be in place before CONNACK: the broker sends queued messages right after it.
    manualConnect: true,
    username: config.username,
    password: config.password,
    properties: v5
      ? { sessionExpiryInterval: config.sessionExpirySeconds, receiveMaximum: config.prefetch }
      : undefined,
  };
  const client = connect(config.url, options);
  client.on('error', () => {});
  const deadLetters = new DeadLetterPublisher(config, options);
  const deadLetter: DeadLetter = (message, poison) => deadLetters.send(message, poison);
  client.handleMessage = (packet, callback) => {
    ctx.delivery.handle(toSourceMessage(packet), deadLetter, signal).then(
      (verdict) => {
        // 'returned': no PUBACK. The session is ending, and the broker sends the message again later.
        if (verdict === 'done') callback();
      },
      (error: unknown) => {
        // A bug: without its PUBACK the session cannot go on; a new one gets the message again.
        reportBug(ctx)(error);
        client.end(true);
      },
    );
  };
  const ended = once(client, ['close']);
  client.connect();
  try {
    const connected = await Promise.race([once(client, ['connect']), ended]);
    if (connected instanceof Error || !client.connected) throw connected;
    const filters = config.topics.map((t) =>
      config.shareGroup === undefined ? t : `$share/${config.shareGroup}/${t}`,
    );
    // Subscribing again on a kept session is harmless and picks up a changed topic list; rh 1: retained
    // messages only for a subscription that is new.
    const granted = await client.subscribeAsync(filters, { qos: config.qos, rh: 1 });
    const refused = granted.filter((g) => g.qos > 2);
    if (refused.length > 0) throw new Error(`MQTT subscription refused: ${refused.map((g) => g.topic).join(', ')}`);
  } catch (error) {
    client.end(true);
    await deadLetters.close();
    throw error;
  }
  return {
    ended,
    async close() {
      await ctx.delivery.drain(config.drainTimeoutMs);
      await settle(client.endAsync(false), CLOSE_TIMEOUT_MS);
      client.end(true);
      await deadLetters.close();
    },
  };
}

/**
 * Publishes poison to the dead-letter topic on a second connection: an ack for a publish made on the
 * consuming connection would wait behind the very message being handled (MQTT.js reads packets in order).
 */
class DeadLetterPublisher {
  private client: Promise<MqttClient> | undefined;

  constructor(
    private readonly config: Config,
    private readonly options: IClientOptions,
  ) {}

  async send(message: SourceMessage, poison: { reason: string; detail: string }): Promise<void> {
    const topic = this.config.deadLetterTopic;
    // No target configured: the message is dropped (logged and counted by the caller).
    if (topic === undefined) return;
    const client = await this.connected();
    const userProperties = {
      'x-herald-bridge': this.config.name,
      'x-herald-reason': poison.reason,
      'x-herald-topic': message.key,
    };
    const properties = this.config.protocolVersion === 5 ? { userProperties } : undefined;
    const body = message.body;
    const payload = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    await client.publishAsync(topic, payload, { qos: 1, properties });
  }

  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    if (client !== undefined) await settle(client.endAsync(), CLOSE_TIMEOUT_MS);
  }

  /** The publishing connection, opened on first use and again after it was lost. */
  private async connected(): Promise<MqttClient> {
    let client = await this.client?.catch(() => undefined);
    if (client?.connected === true) return client;
    client?.end(true);
    this.client = this.open();
    client = await this.client.catch((error: unknown) => {
      this.client = undefined;
      throw error;
    });
    return client;
  }

  private open(): Promise<MqttClient> {
    return connectAsync(this.config.url, {
      ...this.options,
      clientId: `${this.config.clientId}-dlq`,
      clean: true,
      manualConnect: false,
      properties: undefined,
    });
  }
}

function toSourceMessage(packet: IPublishPacket): SourceMessage {
  const user = packet.properties?.userProperties;
  const header = (name: string): string | undefined => {
    const value = user?.[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return { key: packet.topic, body: packet.payload, sourceId: header('message-id'), header };
}
