import { type BridgeConfig, type Bridges, startBridges } from '@herald/bridges';
import type { HeraldServer } from '@herald/server';
import type { Logger } from 'pino';

/**
 * Starts `configs` inside the hub's process: each message goes straight into the hub (no HTTP, no
 * credentials), and the bridges show in the hub's `/readyz`, `/metrics` and stats stream. Returns at
 * once (brokers are connected in the background); undefined when there is nothing to run. Close the
 * result before the hub, so in-flight messages are stored and acknowledged while the engine is open.
 */
export function startHubBridges(
  configs: readonly BridgeConfig[],
  herald: HeraldServer,
  logger: Logger,
): Bridges | undefined {
  if (configs.length === 0) return undefined;
  const bridges = startBridges(configs, {
    publish: herald.hub.publish.bind(herald.hub),
    logger: logger.child({ component: 'bridges' }),
    metrics: { latency: (name, type, ms) => herald.bridges.latency(name, type, ms) },
  });
  herald.bridges.add(bridges);
  return bridges;
}
