import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Backoff, sleep } from '../backoff.ts';
import type { ConfigOf } from '../config.ts';
import type { SourceContext } from '../source.ts';

type NatsConfig = ConfigOf<'nats'> | ConfigOf<'nats-jetstream'>;

/**
 * Connects to NATS, retrying with backoff until it works or the bridge closes (undefined then). Once
 * connected, the client reconnects by itself forever, with the same backoff, and re-subscribes; the
 * bridge's state follows its status events.
 */
export async function connectNats(ctx: SourceContext<NatsConfig>): Promise<NatsConnection | undefined> {
  const { config, stats, signal } = ctx;
  const backoff = new Backoff(config.retryInitialMs, config.retryMaxMs);
  while (!signal.aborted) {
    try {
      const nc = await connect({
        servers: config.servers,
        user: config.user,
        pass: config.pass,
        token: config.token,
        name: `herald-bridge:${config.name}`,
        maxReconnectAttempts: -1,
        reconnectDelayHandler: () => backoff.next(),
        // A server that stopped answering is found within ~30 s rather than the default ~4 min.
        pingInterval: 10_000,
        maxPingOut: 3,
      });
      backoff.reset();
      if (signal.aborted) {
        await nc.close();
        return undefined;
      }
      followStatus(nc, ctx, backoff);
      stats.setState('up');
      return nc;
    } catch (error) {
      stats.setState('down', error);
      await sleep(backoff.next(), signal);
    }
  }
  return undefined;
}

function followStatus(nc: NatsConnection, ctx: SourceContext<NatsConfig>, backoff: Backoff): void {
  const { stats } = ctx;
  (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        stats.reconnects++;
        stats.setState('down', new Error(`disconnected from ${status.server}`));
      } else if (status.type === 'reconnect') {
        backoff.reset();
        stats.setState('up');
      }
    }
  })().catch(() => {});
}
