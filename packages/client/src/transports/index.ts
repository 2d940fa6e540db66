import { HeraldError } from '../errors.ts';
import { canStream, type Platform } from '../platform.ts';
import { openEventSourceTransport } from './eventsource.ts';
import { parseTransports } from './names.ts';
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
    case 'ndjson':
      return canStream(platform) ? openNdjsonTransport : undefined;
    case 'long-poll':
      return platform.fetch === undefined ? undefined : (ctx, sink) => openPollTransport(ctx, sink, true);
    case 'poll':
      return platform.fetch === undefined ? undefined : (ctx, sink) => openPollTransport(ctx, sink, false);
  }
}

/**
 * The requested transports (default: all, best first) that this platform can run. Throws when a name
 * is unknown (naming it, see parseTransports) or when none of them can run here (naming them).
 */
export function usableTransports(requested: readonly unknown[] | undefined, platform: Platform): TransportName[] {
  const names = requested === undefined ? TRANSPORTS : parseTransports(requested);
  const usable = names.filter((t) => transportFactory(t, platform) !== undefined);
  if (usable.length === 0) {
    const asked = names.length === 0 ? 'an empty list' : names.join(', ');
    throw new HeraldError('unsupported', `none of the requested transports works on this platform (asked: ${asked})`);
  }
  return usable;
}
