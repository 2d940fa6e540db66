import { startBridges } from '@herald/bridges';
import { pino } from 'pino';
import { CONFIG_DEFAULTS } from '../config/defaults.ts';
import { ConfigError } from '../config/errors.ts';
import { readConfigFile } from '../config/resolve.ts';
import type { CliIo } from '../io.ts';
import { bridgesLine } from '../serve/bridge-placement.ts';
import { untilShutdown } from '../serve/shutdown.ts';
import { checkHub } from './check-hub.ts';
import { httpBridgePublish } from './http-publish.ts';

/** Arguments of `herald bridge`. */
export interface BridgeOptions {
  /** The config file: its `bridges` section is run, the rest (a `herald serve` config) is checked and ignored. */
  readonly config: string;
  readonly url: string;
  readonly apiKey?: string | undefined;
}

/**
 * `herald bridge`: runs the config's bridges in a process of their own, publishing to a hub over HTTP
 * (each message with its idempotency key, so redeliveries are stored once). Prints two start-up lines,
 * logs as `serve` does, and on SIGTERM/SIGINT closes every bridge (the message in flight is finished
 * and acknowledged, the rest go back to their brokers) and exits 0.
 */
export async function bridge(options: BridgeOptions, io: CliIo): Promise<number> {
  const file = readConfigFile(options.config);
  const configs = file.bridges ?? [];
  if (configs.length === 0) {
    throw new ConfigError(`config error: ${options.config} has no bridges (see docs/bridges.md)`);
  }
  const logger = pino({ name: 'herald-bridge', level: file.logLevel ?? CONFIG_DEFAULTS.logLevel }, io.logDestination());
  // A wrong URL or key would otherwise only show as publishes retried forever.
  const hub = await checkHub(options.url, options.apiKey);
  if (hub === 'refused') {
    io.err(`herald bridge: ${options.url} refused the API key (set --api-key or HERALD_API_KEY)\n`);
    return 1;
  }
  const bridges = startBridges(configs, {
    publish: httpBridgePublish(options.url, options.apiKey),
    logger: logger.child({ component: 'bridges' }),
  });
  // For people, on stderr, as serve's start-up block: stdout carries only the JSON log lines.
  io.err(`Herald bridge publishing to ${options.url}${hub === 'ok' ? '' : ` (not reachable yet: ${hub})`}\n`);
  io.err(bridgesLine(configs) ?? '');
  logger.info({ url: options.url, bridges: configs.map((b) => b.name) }, 'bridges started');
  // Bridges close in parallel, each within its own drain timeout.
  const graceMs = Math.max(...configs.map((b) => b.drainTimeoutMs));
  return untilShutdown(io, logger, graceMs, () => bridges.close());
}
