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

/** Final line of an NDJSON stream that the server ends for a reason. */
export interface CloseLine {
  close: { code: number; reason: string };
}

/** Client -> server ops on the multiplexed WebSocket (`/v1/ws`). */
export type ClientOp =
  | { op: 'subscribe'; ref?: number | string; channel: string; after?: string; info?: Record<string, unknown> }
  | { op: 'unsubscribe'; ref?: number | string; channel: string }
  | { op: 'publish'; ref?: number | string; channel: string; event?: string; data: unknown }
  | { op: 'ping'; ref?: number | string }
  | { op: 'auth'; ref?: number | string; token: string }
  | { op: 'presence'; ref?: number | string; channel: string };

/** Server -> client ops on the multiplexed WebSocket. */
export type ServerOp =
  | ({ op: 'ok'; ref?: number | string } & Record<string, unknown>)
  | { op: 'error'; ref?: number | string; code: string; message: string }
  | ({ op: 'message' } & WireMessage)
  | ({ op: 'reset' } & WireReset)
  | { op: 'pong'; ref?: number | string };

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
