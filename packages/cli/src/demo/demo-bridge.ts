import { createConnection } from 'node:net';
import { hostname } from 'node:os';
import { parseBridgesConfig } from '@herald/bridges';
import type { HeraldServer } from '@herald/server';
import type { Logger } from 'pino';
import { startHubBridges } from '../serve/hub-bridges.ts';
import { type DemoProducer, startMqttProducer } from './mqtt-producer.ts';

/** The local MQTT broker the demo bridge uses when it is up. */
export const DEMO_BROKER = { host: '127.0.0.1', port: 1883 } as const;
/** How long the start waits to learn whether the broker is there, ms. */
const PROBE_TIMEOUT_MS = 300;
/** Where the demo producer publishes; the chat page's #random room shows it. */
export const DEMO_TOPIC = 'herald-demo/chat/random';

/** The demo bridge of `serve --demo`: its start-up line, and how to stop it. */
export interface DemoBridge {
  readonly line: string;
  stop(): Promise<void>;
}

/**
 * With a local MQTT broker: a bridge from `herald-demo/#` (`herald-demo/chat/{room}` -> `chat:{room}`)
 * into this hub, plus a producer publishing a sensor line every second, so the chat page's #random
 * room and the dashboard's bridges panel show a bridge at work. Without one, a line saying why it was
 * skipped. A failure is never fatal to the demo.
 */
export async function startDemoBridge(
  herald: HeraldServer,
  logger: Logger,
  broker: { readonly host: string; readonly port: number } = DEMO_BROKER,
): Promise<DemoBridge> {
  const url = `mqtt://${broker.host}:${broker.port}`;
  const down = await probe(broker.host, broker.port, PROBE_TIMEOUT_MS);
  if (down !== undefined) return skipped(`no MQTT broker on ${broker.host}:${broker.port}: ${down}`);
  const [config] = parseBridgesConfig([
    {
      type: 'mqtt',
      name: 'demo-mqtt',
      url,
      // One session per hub process, dropped by the broker a minute after the hub stops.
      clientId: `herald-demo-${hostname()}-${process.pid}`,
      protocolVersion: 5,
      sessionExpirySeconds: 60,
      topics: ['herald-demo/#'],
      match: 'herald-demo/chat/{room}',
      channel: 'chat:{room}',
      event: 'message',
    },
  ]);
  const bridges = config === undefined ? undefined : startHubBridges([config], herald, logger);
  let producer: DemoProducer;
  try {
    producer = await startMqttProducer(url, DEMO_TOPIC);
  } catch (error) {
    await bridges?.close();
    return skipped(`the demo producer could not connect to ${url}: ${(error as Error).message}`);
  }
  return {
    line: `Demo bridge: MQTT herald-demo/# -> chat:{room}; a producer publishes to ${DEMO_TOPIC} every second (chat page, #random)\n`,
    async stop() {
      await producer.stop();
      await bridges?.close();
    },
  };
}

function skipped(why: string): DemoBridge {
  return { line: `Demo bridge: skipped (${why})\n`, stop: async () => {} };
}

/** Undefined when `host:port` accepts a TCP connection within `timeoutMs`, else why not. */
function probe(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const finish = (result: string | undefined): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => finish(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
  });
}
