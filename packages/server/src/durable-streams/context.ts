import type { TransportContext, TransportOptions } from '../transports/transport.ts';
import type { Streams } from './streams.ts';

/** The server's shared parts the Durable Streams handlers use: limits, held requests, whether the hub drains, three settings. */
export type StreamsServer = Pick<TransportContext, 'hub' | 'limits' | 'polls' | 'draining'> & {
  readonly options: Pick<TransportOptions, 'maxBodyBytes' | 'longPollMaxMs' | 'streamHeartbeatMs'>;
};

/** What the Durable Streams handlers need: the streams and the server's shared parts. */
export interface StreamsContext {
  readonly streams: Streams;
  readonly server: StreamsServer;
}

/** Largest body of one catch-up or long-poll answer, bytes of stored payload (at least one message is sent). */
export const READ_BYTES = 1024 * 1024;

/** An SSE answer ends after this long (protocol 8.2: about a minute, so CDNs can collapse reconnects), ms. */
export const SSE_LIFETIME_MS = 60_000;
