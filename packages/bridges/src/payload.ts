/** How a payload is read: JSON if it parses else text (`auto`), JSON only, or always text. */
export type PayloadFormat = 'auto' | 'json' | 'text';

/** Why a message cannot be published, ever: it goes to the dead-letter target. */
export type PoisonReason =
  | 'too_large'
  | 'not_json'
  | 'not_utf8'
  | 'no_match'
  | 'bad_channel'
  | 'bad_event'
  | 'rejected';

/** A message that cannot be published, and why. */
export interface Poison {
  readonly reason: PoisonReason;
  readonly detail: string;
}

/** Options of {@link decodePayload}. */
export interface PayloadOptions {
  readonly format: PayloadFormat;
  /** Field of a JSON object naming the event; null = never read one. */
  readonly eventField: string | null;
  /** Field of a JSON object holding the data; null (or the field absent) = the whole object is the data. */
  readonly dataField: string | null;
  readonly maxMessageBytes: number;
}

/** A decoded payload. */
export interface Decoded {
  readonly data: unknown;
  /** The event named by the payload, if it names one. */
  readonly event: string | undefined;
  /** The parsed JSON object, when the payload is one (idempotency keys may come from its fields). */
  readonly object: Readonly<Record<string, unknown>> | undefined;
}

// `fatal`: bytes that are not UTF-8 are refused rather than silently turned into U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a payload into data (and maybe an event), or says why it is poison. */
export function decodePayload(body: Uint8Array | string, options: PayloadOptions): Decoded | Poison {
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  if (size > options.maxMessageBytes) {
    return { reason: 'too_large', detail: `payload is ${size} bytes, more than ${options.maxMessageBytes}` };
  }
  let text: string;
  try {
    text = typeof body === 'string' ? body : utf8.decode(body);
  } catch {
    return { reason: 'not_utf8', detail: 'payload is not UTF-8 text' };
  }
  if (options.format === 'text') return { data: text, event: undefined, object: undefined };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (options.format === 'json') return { reason: 'not_json', detail: (error as Error).message };
    return { data: text, event: undefined, object: undefined };
  }
  return fromJson(value, options);
}

/** True when `value` is a {@link Poison}. */
export function isPoison(value: object): value is Poison {
  return 'reason' in value;
}

function fromJson(value: unknown, options: PayloadOptions): Decoded {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { data: value, event: undefined, object: undefined };
  }
  const object = value as Record<string, unknown>;
  const named = options.eventField === null ? undefined : object[options.eventField];
  const event = typeof named === 'string' ? named : undefined;
  const { dataField } = options;
  const data = dataField !== null && Object.hasOwn(object, dataField) ? object[dataField] : object;
  return { data, event, object };
}
