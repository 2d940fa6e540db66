import { canStream, type Platform } from '../platform.ts';
import type { TransportKit, TransportResolver } from './kit.ts';
import type { Connection, TransportFactory, TransportName } from './types.ts';

/**
 * A transport whose code is loaded on demand (platform.onDemand). Whether it can run here is decided
 * at once, from the platform (as kit.ts decides for the bundled transports); its code is loaded
 * when it is first opened. Until then the connection is at phase `request`, so the open timer covers
 * the loading too, and a failed load ends it like a failed request.
 */
const deferred =
  (name: TransportName, usable: (p: Platform) => unknown): TransportResolver =>
  (platform) =>
    usable(platform)
      ? (ctx, sink) => {
          let real: Connection | undefined;
          let closed = false;
          platform.onDemand().then(
            (loaded) => {
              if (closed) return;
              // The loaded SSE reader parses with the parser that comes with it.
              const p = { ...platform, sseParser: loaded.sseParser };
              // Usable here (checked above) and loaded (herald-fallbacks.js carries all four).
              const open = (loaded.kit as Required<TransportKit>)[name](p) as TransportFactory;
              real = open({ ...ctx, platform: p }, sink);
            },
            (err: unknown) => closed || sink.failed({ kind: 'network', opened: false, reason: (err as Error).message }),
          );
          return {
            get phase() {
              return real?.phase ?? 'request';
            },
            // Read once it opened, which only the loaded connection reports.
            get watched() {
              return real?.watched === true;
            },
            close() {
              closed = true;
              return real?.close() ?? Promise.resolve();
            },
          };
        }
      : undefined;

const fetches = (p: Platform): unknown => p.fetch;

/** Every transport but the WebSocket, deferred: the `<script>` build's fallbacks. */
export const DEFERRED_FALLBACKS: TransportKit = {
  sse: deferred('sse', (p) => p.EventSource || canStream(p)),
  ndjson: deferred('ndjson', canStream),
  'long-poll': deferred('long-poll', fetches),
  poll: deferred('poll', fetches),
};
