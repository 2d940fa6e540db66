import { createHash } from 'node:crypto';
import type { PublishInput } from '@herald/core';
import { isChannelName, isEventName } from '@herald/protocol';
import type { CommonBridgeConfig } from './config.ts';
import { type Decoded, decodePayload, isPoison, type PayloadOptions, type Poison } from './payload.ts';
import { KEY_VARIABLE, KeyPattern, Template } from './template.ts';

/** One message as a source hands it to the mapping, whatever the broker. */
export interface SourceMessage {
  /** Topic, subject, routing key, stream or outbox topic: what `match` and the templates see. */
  readonly key: string;
  readonly body: Uint8Array | string;
  /** The source's own id of the message, the same on every redelivery (`idempotencyKey: source`). */
  readonly sourceId?: string | undefined;
  /** An event name the source carries beside the payload (outbox column, stream entry field). */
  readonly event?: string | undefined;
  /** A header or property by name (`idempotencyKey: header:<name>`). */
  readonly header?: ((name: string) => string | undefined) | undefined;
  /** When the broker took the message, ms since the epoch (the broker-to-hub latency metric). */
  readonly timestampMs?: number | undefined;
}

/** What to publish for one source message. */
export interface Mapped {
  readonly channel: string;
  readonly input: PublishInput;
  readonly idempotencyKey: string | undefined;
}

/** Keys the HTTP API accepts (1-256 visible ASCII); others are hashed so a remote hub takes them too. */
const PLAIN_KEY = /^[\x21-\x7e]{1,256}$/;

/**
 * Turns source messages into publishes: the channel from the key (pattern + template), the event and
 * data from the payload, the idempotency key from the message's id. Pure: the same message always
 * maps to the same publish, which is what makes a redelivery a duplicate the hub recognises.
 */
export class Mapper {
  private readonly pattern: KeyPattern | undefined;
  private readonly channel: Template;
  private readonly event: Template | undefined;
  private readonly payload: PayloadOptions;
  private readonly keySpec: string;

  constructor(config: CommonBridgeConfig) {
    this.pattern = config.match === undefined ? undefined : new KeyPattern(config.match);
    this.channel = new Template(config.channel);
    this.event = config.event === undefined ? undefined : new Template(config.event);
    this.payload = config;
    this.keySpec = config.idempotencyKey;
  }

  /** The publish for `message`, or why it is poison. */
  map(message: SourceMessage): Mapped | Poison {
    const vars = this.pattern === undefined ? { [KEY_VARIABLE]: message.key } : this.pattern.match(message.key);
    if (vars === undefined) {
      return {
        reason: 'no_match',
        detail: `key ${JSON.stringify(message.key)} does not match ${this.pattern?.source}`,
      };
    }
    const channel = this.channel.render(vars);
    if (!isChannelName(channel)) {
      return { reason: 'bad_channel', detail: `template gives ${JSON.stringify(channel)}, not a valid channel name` };
    }
    const decoded = decodePayload(message.body, this.payload);
    if (isPoison(decoded)) return decoded;
    const event = message.event ?? decoded.event ?? (this.event?.render(vars) || undefined);
    if (event !== undefined && !isEventName(event)) {
      return { reason: 'bad_event', detail: `event ${JSON.stringify(event)} is not a valid event name` };
    }
    return { channel, input: { event, data: decoded.data }, idempotencyKey: this.key(message, decoded) };
  }

  private key(message: SourceMessage, decoded: Decoded): string | undefined {
    const spec = this.keySpec;
    let raw: unknown;
    if (spec === 'source') raw = message.sourceId;
    else if (spec.startsWith('header:')) raw = message.header?.(spec.slice('header:'.length));
    else if (spec.startsWith('payload:')) raw = decoded.object?.[spec.slice('payload:'.length)];
    if (typeof raw === 'number' && Number.isFinite(raw)) raw = String(raw);
    if (typeof raw !== 'string' || raw === '') return undefined;
    return PLAIN_KEY.test(raw) ? raw : `sha256:${createHash('sha256').update(raw).digest('base64url')}`;
  }
}
