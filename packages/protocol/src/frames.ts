/** A message as clients see it (contract section 1). `data` is any JSON value. */
/**
 * The WebSocket subprotocol for compact message frames: `{"c"?,"o","t","e"?,"d"}` for channel
 * (multiplexed sockets only), offset, time, event and data. Every other frame keeps its shape.
 */
export const COMPACT_PROTOCOL = 'herald.compact';

export interface WireMessage {
  channel: string;
  offset: number;
  event?: string;
  data: unknown;
  time: number;
}

/** A reset: the position could not be honored; delivery continues at `from` in `epoch`. */
export interface WireReset {
  channel: string;
  epoch: string;
  from: number;
}

/** First NDJSON line / first bound WebSocket frame. */
export interface SubscribedLine {
  subscribed: { channel: string; epoch: string; cursor: string };
}

/** A reset line: NDJSON streams and bound WebSockets. */
export interface ResetLine {
  reset: WireReset;
}

/** Final line of an NDJSON stream that the server ends for a reason. */
export interface CloseLine {
  close: { code: number; reason: string };
}

/** Names of the SSE events the hub sends besides messages (contract section 4). */
export const SSE_EVENTS = { subscribed: 'herald.subscribed', reset: 'herald.reset', close: 'herald.close' } as const;

/**
 * The `data` of SSE's `herald.subscribed` event: where one channel's delivery starts, as in NDJSON's
 * first line. The event's `id` is the stream's cursor at that start (on `/v1/events`, on the event
 * that completes every channel's start), so a browser EventSource that reconnects before any
 * message resumes from there instead of from "now".
 */
export type SubscribedEvent = SubscribedLine['subscribed'];

/** The `data` of SSE's `herald.close` event. */
export type CloseEvent = CloseLine['close'];

/** The `data` of SSE's `herald.reset` event. */
export type ResetEvent = WireReset;

/** What a request op of a multiplexed WebSocket carries back in its answer. */
export type Ref = number | string;

/** A presence member as the hub sends it (contract section 6); `user` is set by the hub alone. */
export interface WireMember {
  client: string;
  user?: string | undefined;
  info: Record<string, unknown>;
}

/** Client -> server ops on the multiplexed WebSocket (`/v1/ws`). */
export type ClientOp =
  | { op: 'subscribe'; ref?: Ref; channel: string; after?: string; info?: Record<string, unknown> }
  | { op: 'unsubscribe'; ref?: Ref; channel: string }
  | { op: 'publish'; ref?: Ref; channel: string; event?: string; data: unknown }
  | { op: 'ping'; ref?: Ref }
  | { op: 'auth'; ref?: Ref; token: string }
  | { op: 'presence'; ref?: Ref; channel: string };

/** `ok` to `subscribe`: where delivery starts; `client` (this socket's presence id) when it joined presence. */
export interface SubscribedOk {
  op: 'ok';
  ref?: Ref | undefined;
  channel: string;
  epoch: string;
  cursor: string;
  client?: string | undefined;
}

/** `ok` to `publish`: where the message was stored. */
export interface PublishedOk {
  op: 'ok';
  ref?: Ref | undefined;
  channel: string;
  epoch: string;
  offset: number;
  cursor: string;
  time: number;
}

/** `ok` to `presence`: the members (at most a bounded number) and how many there are. */
export interface PresenceOk {
  op: 'ok';
  ref?: Ref | undefined;
  channel: string;
  client: string;
  members: WireMember[];
  count: number;
}

/** `ok` to `unsubscribe` (with its channel) and to `auth` (without). */
export interface PlainOk {
  op: 'ok';
  ref?: Ref | undefined;
  channel?: string;
}

/**
 * Server -> client frames on WebSockets. Multiplexed sockets send all of them; bound sockets send
 * {@link SubscribedLine}, messages, {@link ResetLine}, `pong` and `error`.
 */
export type ServerOp =
  | SubscribedOk
  | PublishedOk
  | PresenceOk
  | PlainOk
  | { op: 'error'; ref?: Ref | undefined; code: string; message: string; retryAfter?: number | undefined }
  | ({ op: 'message' } & WireMessage)
  | ({ op: 'reset' } & WireReset)
  | { op: 'pong'; ref?: Ref | undefined }
  /** The hub ended one subscription (after `op: auth` with a token that no longer allows it). */
  | { op: 'unsubscribed'; channel: string; code: string; message: string }
  /** A presence change on a channel the socket joined or watches. */
  | ({ op: 'join' | 'leave'; channel: string } & WireMember);

/** Every frame a WebSocket may carry from the server. */
export type ServerFrame = ServerOp | SubscribedLine | ResetLine;

/** Pull / long-poll answer body for one channel (contract section 3). */
export interface PullBody {
  channel: string;
  epoch: string;
  cursor: string;
  messages: Array<Omit<WireMessage, 'channel'>>;
  more?: true;
  reset?: { epoch: string; from: number };
}

/** Pull / long-poll answer body for `/v1/events`. */
export interface MultiPullBody {
  cursor: string;
  messages: WireMessage[];
  more?: true;
  resets?: WireReset[];
}

/** Headers used by the protocol. */
export const HEADERS = {
  pollInterval: 'herald-poll-interval',
  idempotencyKey: 'idempotency-key',
  lastEventId: 'last-event-id',
} as const;
