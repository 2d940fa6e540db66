import { z } from 'zod';
import { BRIDGE_DEFAULTS as D } from './defaults.ts';

// Every message says what is expected: it is printed after the key path
// (`bridges[0].prefetch: expected a positive integer`), the way the CLI's config errors read.
export const positiveInt = (what = 'a positive integer') =>
  z.int({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
export const nonNegativeInt = (what: string) =>
  z.int({ error: `expected ${what}` }).min(0, { error: `expected ${what}` });
export const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
export const flag = z.boolean({ error: 'expected true or false' });
/** Milliseconds, at least 1. */
export const ms = positiveInt('a positive integer (milliseconds)');

/** A URL with one of `protocols` (`amqp:`, ...) and a host. */
export function url(protocols: readonly string[], example: string) {
  return z.string({ error: `expected a URL such as ${example}` }).refine(
    (u) => {
      try {
        const parsed = new URL(u);
        return protocols.includes(parsed.protocol) && parsed.hostname !== '';
      } catch {
        return false;
      }
    },
    { error: `expected a URL such as ${example} (${protocols.join(' or ')})` },
  );
}

/** Names of bridges: they label metrics and logs, and prefix nothing that a broker sees. */
export const BRIDGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** `source`, `none`, `header:<name>` or `payload:<field>`. */
const KEY_SPEC = /^(source|none|header:[\x21-\x7e]+|payload:[\x21-\x7e]+)$/;

/** Options every bridge has: naming, mapping, limits and pacing. */
export const commonShape = {
  name: z.string({ error: 'expected a bridge name' }).regex(BRIDGE_NAME, {
    error: 'expected a bridge name of 1-64 letters, digits, _ or - (it labels metrics and logs)',
  }),
  /** false: the bridge is configured but not started. */
  enabled: flag.default(true),
  /** Channel template over the key's variables, e.g. `order:{id}`. */
  channel: text('a channel template such as order:{id}'),
  /** Pattern over the source's key, e.g. `orders.{id}`; without it only `{key}` (the whole key) is defined. */
  match: text('a key pattern such as orders.{id}').optional(),
  /** Event name (or template) used when neither the source nor the payload names one. */
  event: text('an event name or template').optional(),
  format: z.enum(['auto', 'json', 'text'], { error: 'expected auto, json or text' }).default(D.format),
  eventField: text('a field name or null').nullable().default(D.eventField),
  dataField: text('a field name or null').nullable().default(D.dataField),
  idempotencyKey: z
    .string({ error: 'expected source, none, header:<name> or payload:<field>' })
    .regex(KEY_SPEC, { error: 'expected source, none, header:<name> or payload:<field>' })
    .default(D.idempotencyKey),
  maxMessageBytes: positiveInt('a positive integer (bytes)').default(D.maxMessageBytes),
  prefetch: positiveInt('a positive integer (messages)').default(D.prefetch),
  retryInitialMs: ms.default(D.retryInitialMs),
  retryMaxMs: ms.default(D.retryMaxMs),
  drainTimeoutMs: nonNegativeInt('0 or a positive integer (milliseconds)').default(D.drainTimeoutMs),
  lagIntervalMs: ms.default(D.lagIntervalMs),
};

const commonSchema = z.object(commonShape);

/** The options every bridge has, defaults filled in. */
export type CommonBridgeConfig = z.output<typeof commonSchema>;
