import type { Engine, NamespaceSettings } from '@herald/core';
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.ts';
import type { NatsConfig } from '../config/resolve.ts';
import type { EngineNamespaces } from './engine.ts';
import { readyWithin, startupErrors } from './engine-wait.ts';
import { redactPassword, redactUrl } from './redact-url.ts';

/** How long `serve` waits for NATS at start, in ms: as for Redis, long enough for a server starting beside it. */
export const NATS_START_WAIT_MS = 5_000;
/** How much longer than its longest history an idle channel's epoch is kept, in ms (see {@link natsLimits}). */
const EPOCH_MARGIN_MS = 3_600_000;

/** What the NATS engine's stream must hold at least: the longest and largest history of any namespace. */
export interface NatsLimits {
  /** The stream's `max_age`, ms. */
  readonly maxAgeMs: number;
  /** The stream's `max_msgs_per_subject`. */
  readonly maxMessagesPerChannel: number;
}

/**
 * The stream limits for these namespaces. Both are hard caps of JetStream (the engine applies each
 * namespace's own, smaller limits itself), so they must cover every namespace: `maxAgeMs` is the
 * longest history age plus an hour, so an idle channel keeps its epoch (its newest append) an hour
 * after its history expired, and a client resuming then gets no needless reset; never below the
 * engine's defaults (a day, 10,000 appends a channel).
 */
export function natsLimits(
  defaults: NamespaceSettings,
  named: Readonly<Record<string, Partial<NamespaceSettings>>>,
  floor: NatsLimits,
): NatsLimits {
  const all = [defaults, ...Object.values(named).map((ns) => ({ ...defaults, ...ns }))];
  const age = Math.max(...all.map((ns) => ns.history.maxAgeMs));
  const size = Math.max(...all.map((ns) => ns.history.size));
  return {
    maxAgeMs: Math.max(floor.maxAgeMs, age + EPOCH_MARGIN_MS),
    maxMessagesPerChannel: Math.max(floor.maxMessagesPerChannel, size),
  };
}

/** The URL (or comma-separated URLs) fit for logs: every password replaced by `***`. */
export function redactNatsUrl(url: string): string {
  return url
    .split(',')
    .map((part) => redactUrl(part.trim()))
    .join(',');
}

/**
 * Opens the NATS JetStream engine and waits (at most {@link NATS_START_WAIT_MS}) until it can serve:
 * NATS answers and the stream is in place. A wrong URL, a NATS that is down or one without JetStream
 * stops the start with a message instead of a hub that answers 503 to everything. After the start,
 * connection trouble is logged and the engine reconnects by itself.
 */
export async function openNatsEngine(nats: NatsConfig, namespaces: EngineNamespaces, logger: Logger): Promise<Engine> {
  const where = redactNatsUrl(nats.url);
  let module: typeof import('@herald/engine-nats');
  try {
    module = await import('@herald/engine-nats');
  } catch (error) {
    throw new ConfigError(`--nats: the NATS engine cannot be loaded: ${(error as Error).message}`);
  }
  const errors = startupErrors((error) =>
    logger.warn({ nats: where, reason: describe(error, nats.url) }, 'nats connection trouble (reconnecting)'),
  );
  const limits = natsLimits(namespaces.defaults, namespaces.named, module.NATS_ENGINE_DEFAULTS);
  let engine: Engine;
  try {
    engine = new module.NatsEngine({ url: nats.url, prefix: nats.prefix, onError: errors.onError, ...limits });
  } catch (error) {
    // The schema checks URL and prefix first; this is the engine's own word on them.
    throw new ConfigError(`config error: --nats: ${describe(error, nats.url)}`);
  }
  if (await readyWithin(engine, NATS_START_WAIT_MS)) {
    errors.started();
    return engine;
  }
  await engine.close();
  // No connection error means the server answered, but JetStream did not.
  const cause =
    errors.first() === undefined
      ? ': NATS answered but JetStream did not (is the server started with JetStream, `nats-server -js`?)'
      : `: ${describe(errors.first(), nats.url)}`;
  throw new Error(`cannot reach NATS JetStream at ${where} within ${NATS_START_WAIT_MS / 1000} s${cause}`);
}

/** An error's message, with every password of the URL(s) taken out should a library have echoed one. */
function describe(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return url.split(',').reduce((text, part) => redactPassword(text, part.trim()), message);
}
