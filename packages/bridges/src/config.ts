import { z } from 'zod';
import {
  jetstreamSchema,
  mqttSchema,
  natsSchema,
  postgresOutboxSchema,
  rabbitmqSchema,
  redisStreamsSchema,
} from './source-config.ts';
import { KeyPattern, Template, unknownVariables } from './template.ts';

export type { CommonBridgeConfig } from './config-common.ts';

/** One bridge: a source, how its messages map to channels, and its limits. */
export const bridgeConfigSchema = z
  .discriminatedUnion(
    'type',
    [rabbitmqSchema, mqttSchema, natsSchema, jetstreamSchema, redisStreamsSchema, postgresOutboxSchema],
    { error: 'expected type rabbitmq, mqtt, nats, nats-jetstream, redis-streams or postgres-outbox' },
  )
  .superRefine((bridge, ctx) => {
    // Compile the pattern and templates now, so a typo fails at start-up naming the option.
    let pattern: KeyPattern | undefined;
    try {
      pattern = bridge.match === undefined ? undefined : new KeyPattern(bridge.match);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['match'], message: (error as Error).message });
      return;
    }
    for (const field of ['channel', 'event'] as const) {
      const source = bridge[field];
      if (source === undefined) continue;
      try {
        const unknown = unknownVariables(new Template(source), pattern);
        if (unknown.length > 0) {
          const message = `uses {${unknown.join('}, {')}}, which match does not capture (known: {key}${pattern?.names.map((n) => `, {${n}}`).join('') ?? ''})`;
          ctx.addIssue({ code: 'custom', path: [field], message });
        }
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: [field], message: (error as Error).message });
      }
    }
    if (bridge.retryMaxMs < bridge.retryInitialMs) {
      ctx.addIssue({ code: 'custom', path: ['retryMaxMs'], message: 'expected at least retryInitialMs' });
    }
  });

/** The `bridges` section of the config: a list of bridges with unique names. */
export const bridgesConfigSchema = z
  .array(bridgeConfigSchema, { error: 'expected a list of bridges' })
  .superRefine((bridges, ctx) => {
    const seen = new Set<string>();
    bridges.forEach((bridge, i) => {
      if (seen.has(bridge.name)) {
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `bridge name ${bridge.name} is used twice` });
      }
      seen.add(bridge.name);
    });
  });

/** A bridge's config as written (defaults may be left out). */
export type BridgeConfigInput = z.input<typeof bridgeConfigSchema>;
/** A bridge's config, defaults filled in. */
export type BridgeConfig = z.output<typeof bridgeConfigSchema>;
/** One source type. */
export type SourceType = BridgeConfig['type'];
/** The config of one source type. */
export type ConfigOf<T extends SourceType> = Extract<BridgeConfig, { type: T }>;

/**
 * Checks the `bridges` section and fills in defaults. Throws an Error whose message names every bad
 * option by its path (`bridges[1].queue: expected a queue name`).
 */
export function parseBridgesConfig(input: unknown): BridgeConfig[] {
  const result = bridgesConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  throw new Error(`invalid bridges config:\n  ${lines.join('\n  ')}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = 'bridges';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}
