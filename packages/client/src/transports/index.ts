import { HeraldError } from '../errors.ts';
import { canStream, type Platform } from '../platform.ts';
import { openEventSourceTransport } from './eventsource.ts';
import { openNdjsonTransport } from './ndjson.ts';
import { openPollTransport } from './poll.ts';
import { openSseTransport } from './sse.ts';
import { TRANSPORTS, type TransportFactory, type TransportName } from './types.ts';
import { openWebSocketTransport } from './websocket.ts';

/** The factory of each transport on this platform, or undefined where the platform lacks the API. */
export function transportFactory(name: TransportName, platform: Platform): TransportFactory | undefined {
  switch (name) {
    case 'websocket':
      return platform.openWebSocket === undefined ? undefined : openWebSocketTransport;
    case 'sse':
      // An injected EventSource is honoured; otherwise fetch, which sees heartbeats and sends headers.
      if (platform.EventSource !== undefined) return openEventSourceTransport;
      return canStream(platform) && platform.sseParser !== undefined ? openSseTransport : undefined;
    case 'stream':
      return canStream(platform) ? openNdjsonTransport : undefined;
    case 'longpoll':
      return platform.fetch === undefined ? undefined : (ctx, sink) => openPollTransport(ctx, sink, true);
    case 'poll':
      return platform.fetch === undefined ? undefined : (ctx, sink) => openPollTransport(ctx, sink, false);
  }
}

/** The requested transports (default: all, best first) that this platform can run; throws if none. */
export function usableTransports(requested: readonly TransportName[] | undefined, platform: Platform): TransportName[] {
  const usable = (requested ?? TRANSPORTS).filter((t) => transportFactory(t, platform) !== undefined);
  if (usable.length === 0)
    throw new HeraldError('unsupported', 'none of the requested transports works on this platform');
  return usable;
}
