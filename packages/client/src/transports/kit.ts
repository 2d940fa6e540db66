import { canStream, type Platform } from '../platform.ts';
import { openEventSourceTransport } from './eventsource.ts';
import { openNdjsonTransport } from './ndjson.ts';
import { openPollTransport } from './poll.ts';
import { openSseTransport } from './sse.ts';
import type { TransportFactory, TransportName } from './types.ts';
import { openWebSocketTransport } from './websocket.ts';

/** Gives a transport's factory on this platform, or undefined where the platform lacks the API it needs. */
export type TransportResolver = (platform: Platform) => TransportFactory | undefined;

/**
 * The transports an entry carries. Each is its own export, so an entry that names only one (the
 * `websocket` and `sse` entries) leaves the others' code out of its bundle.
 */
export type TransportKit = Partial<Record<TransportName, TransportResolver>>;

export const websocket: TransportResolver = (p) => p.openWebSocket && openWebSocketTransport;

// An injected EventSource is honoured; otherwise fetch, which sees heartbeats and sends headers.
export const sse: TransportResolver = (p) =>
  p.EventSource ? openEventSourceTransport : canStream(p) && p.sseParser ? openSseTransport : undefined;

export const ndjson: TransportResolver = (p) => (canStream(p) ? openNdjsonTransport : undefined);

export const longPoll: TransportResolver = (p) => p.fetch && ((ctx, sink) => openPollTransport(ctx, sink, true));

export const poll: TransportResolver = (p) => p.fetch && ((ctx, sink) => openPollTransport(ctx, sink, false));

/** Every transport: the default entries. */
export const ALL_TRANSPORTS: TransportKit = { websocket, sse, ndjson, 'long-poll': longPoll, poll };
