// Messages between the orchestrator (bench/run.ts) and its load processes.
// Sent with serialization: 'advanced' (structured clone), so arrays of numbers cross cheaply.

/** `wsc`: a WebSocket that negotiates Herald's compact message frames (subprotocol herald.compact). */
export type Transport = 'ws' | 'wsc' | 'sse' | 'ndjson' | 'longpoll' | 'poll';

/**
 * Which wire protocol a subscriber speaks for its transport: Herald's contract (also what the
 * raw-ws floor imitates), Nchan's (same WS/SSE framing; long-poll and poll by Last-Modified/ETag),
 * or Socket.IO's (Engine.IO v4 packets over a WebSocket).
 */
export type Dialect = 'herald' | 'nchan' | 'socketio';

/** Bytes on the wire of one transport's sockets (client side, headers and framing included). */
export interface Traffic {
  received: number;
  /** bytes read from the sockets (server to client) */
  bytesIn: number;
  /** bytes written to the sockets (client to server: requests, pongs) */
  bytesOut: number;
  /** HTTP requests sent (poll and long-poll) */
  requests: number;
}

/** Latency histogram as [value µs (8 significant bits), count] pairs: mergeable across processes. */
export type LatencyBuckets = Array<[number, number]>;

// ---- subscriber load process ----

export interface ConnectCommand {
  type: 'connect';
  transport: Transport;
  dialect: Dialect;
  /**
   * full URL of the channel, e.g. http://127.0.0.1:8080/v1/channels/bench/messages; `{i}` in it is
   * replaced by the connection's index (firstIndex, firstIndex + 1, …): one channel per connection
   */
  url: string;
  firstIndex: number;
  count: number;
  /** poll subscribers: ms between polls */
  pollIntervalMs: number;
  /** source addresses, used round-robin (spreads connections past the ephemeral port limit) */
  localAddresses: string[];
  concurrency: number;
  timeoutMs: number;
}

/** Returns the counters since the previous collect and zeroes them (one ramp step = one window). */
export interface CollectCommand {
  type: 'collect';
  /** the next window counts only messages sent at or after this monotonic ms (earlier = an earlier window's backlog) */
  since: number;
}

export interface CloseCommand {
  type: 'close';
}

export type SubscriberCommand = ConnectCommand | CollectCommand | CloseCommand;

export interface ConnectedReply {
  type: 'connected';
  transport: Transport;
  opened: number;
  failed: number;
  /** first few distinct error messages */
  errors: string[];
}

export interface ProgressReply {
  type: 'progress';
  open: number;
  received: number;
  /** this process's p99 so far in the window, ms */
  p99Ms: number;
}

export interface SubscriberStats {
  received: number;
  /** monotonic ms (process.hrtime) of the last delivery in the window; 0 = none */
  lastReceiveAt: number;
  latency: LatencyBuckets;
  /** fewest / most messages any single open connection got in the window */
  minPerConnection: number;
  maxPerConnection: number;
  open: number;
  /** deliveries of messages sent before the window (backlog of an earlier one), not counted above */
  stale: number;
  /** connections that closed during the window, by close code / reason */
  closes: Record<string, number>;
  /** per transport: deliveries and bytes on the wire during the window */
  traffic: Partial<Record<Transport, Traffic>>;
}

export interface StatsReply extends SubscriberStats {
  type: 'stats';
}

export type SubscriberReply = ConnectedReply | ProgressReply | StatsReply;

// ---- publisher load process ----

export interface PublishCommand {
  type: 'publish';
  /** channel URL; with channels > 1, `{i}` in it is replaced by a random channel index per message */
  url: string;
  /** 1 = every message to `url`; N = each message to a random one of N channels */
  channels: number;
  /** with channels > 1 and batch > 1: the many-channel endpoint (POST /v1/publish) and the channel name template */
  multi: { url: string; channel: string } | undefined;
  apiKey: string;
  /** messages per second */
  rate: number;
  durationMs: number;
  /** messages per POST (1 = single publish, >1 = JSON array batch) */
  batch: number;
  /** approximate JSON size of each message's data, in bytes */
  size: number;
  /** most POSTs in flight before the publisher counts itself as behind */
  maxInFlight: number;
  /** how long to wait for answers still in flight after the last send */
  answerWaitMs: number;
}

export interface PublishProgress {
  type: 'progress';
  sent: number;
  accepted: number;
}

export interface PublishDone {
  type: 'done';
  /** messages handed to POSTs */
  sent: number;
  /** messages answered with 201 */
  accepted: number;
  failed: number;
  /** messages whose POST had no answer yet when the publisher gave up waiting (they may still be delivered) */
  unanswered: number;
  /** messages never sent because maxInFlight POSTs were pending (publisher or hub too slow) */
  skipped: number;
  errors: string[];
  /** monotonic ms of the first send */
  startedAt: number;
  endedAt: number;
  /** POST round trip, µs */
  rtt: LatencyBuckets;
  /** mean JSON size of the messages' data, bytes: the payload a transport's overhead is measured against */
  dataBytes: number;
}

export type PublisherReply = PublishProgress | PublishDone;

// ---- WebSocket publisher process (ingest over `/v1/ws` op publish) ----

export interface WsPublishCommand {
  type: 'ws-publish';
  /** ws://…/v1/ws */
  url: string;
  channel: string;
  apiKey: string;
  connections: number;
  /** publishes in flight per connection (pipelined, acknowledged by ref) */
  window: number;
  durationMs: number;
  size: number;
}

export interface WsPublishDone {
  type: 'done';
  acked: number;
  failed: number;
  errors: string[];
  seconds: number;
  /** publish → ok round trip, µs */
  rtt: LatencyBuckets;
}
