import type { BridgeConfig } from './config.ts';
import { Delivery } from './delivery.ts';
import { Mapper } from './mapping.ts';
import type { Source, SourceContext } from './source.ts';
import { BridgeStats, describe } from './stats.ts';
import type { BridgeDeps, BridgeHandle, BridgeLogger } from './types.ts';

/**
 * Starts one bridge in the background and returns its handle at once: a broker that is down at start
 * is retried with backoff (the state says so), it does not keep the hub from starting.
 */
export function startBridge(config: BridgeConfig, deps: BridgeDeps, logger: BridgeLogger): BridgeHandle {
  const stats = new BridgeStats(config.name, config.type, logger, deps.metrics);
  const handle = { name: config.name, type: config.type, status: () => stats.snapshot() };
  if (!config.enabled) {
    stats.setState('disabled');
    return { ...handle, close: async () => {} };
  }
  const abort = new AbortController();
  const delivery = new Delivery(config, new Mapper(config), deps.publish, stats, logger, abort.signal);
  const ctx: SourceContext = { config, delivery, stats, logger, signal: abort.signal };
  let lagTimer: NodeJS.Timeout | undefined;
  const running = (async () => {
    const source = await loadSource(ctx);
    lagTimer = sampleLag(source, stats, config.lagIntervalMs);
    await source.run();
  })().catch((error: unknown) => {
    // A bug or a missing driver, not a broker outage (sources retry those themselves).
    logger.error({ bridge: config.name, error: describe(error) }, 'bridge stopped');
    stats.setState('down', error);
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stats.setState('closing');
      abort.abort();
      await running;
      clearInterval(lagTimer);
      stats.setState('closed');
    })();
    return closing;
  };
  return { ...handle, close };
}

/** Loads the source's module (and so its broker client) only when a bridge of that type is configured. */
async function loadSource(ctx: SourceContext): Promise<Source> {
  const { config } = ctx;
  switch (config.type) {
    case 'rabbitmq':
      return (await import('./sources/rabbitmq.ts')).rabbitmqSource({ ...ctx, config });
    case 'mqtt':
      return (await import('./sources/mqtt.ts')).mqttSource({ ...ctx, config });
    case 'nats':
      return (await import('./sources/nats-core.ts')).natsSource({ ...ctx, config });
    case 'nats-jetstream':
      return (await import('./sources/nats-jetstream.ts')).jetstreamSource({ ...ctx, config });
    case 'redis-streams':
      return (await import('./sources/redis-streams.ts')).redisStreamsSource({ ...ctx, config });
    case 'postgres-outbox':
      return (await import('./sources/postgres-outbox.ts')).outboxSource({ ...ctx, config });
  }
}

/** Samples the source's lag now and every `everyMs` (one sample at a time; failures leave the last value). */
function sampleLag(source: Source, stats: BridgeStats, everyMs: number): NodeJS.Timeout | undefined {
  const lag = source.lag?.bind(source);
  if (lag === undefined) return undefined;
  let busy = false;
  const sample = (): void => {
    if (busy || stats.state === 'closing' || stats.state === 'closed') return;
    busy = true;
    lag()
      .then((value) => {
        stats.lag = value;
      })
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  sample();
  return timer;
}
