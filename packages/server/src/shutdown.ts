import type { Server } from 'node:http';
import type { Hub } from '@herald/core';
import { CLOSE_CODES } from '@herald/protocol';
import type { SilentConnections } from './limits/silent-connections.ts';
import type { HeraldOptions } from './options.ts';
import type { TransportContext } from './transports/index.ts';

/** What a graceful shutdown stops, in order. */
export interface ShutdownDeps {
  readonly http: Server;
  readonly hub: Hub;
  readonly ctx: Pick<TransportContext, 'sockets' | 'streams' | 'polls'>;
  readonly options: Pick<HeraldOptions, 'shutdownTimeoutMs' | 'engine'>;
  readonly silent: SilentConnections;
  readonly metrics: { stop(): void };
  /** Requests still in flight (the request pipeline's count). */
  inFlight(): number;
  /** Called first: from then on new live connections are refused. */
  startDraining(): void;
}

/**
 * The graceful shutdown, once however often it is called: stop accepting, close sockets (1001) and
 * streams, answer long polls, wait for requests in flight up to `shutdownTimeoutMs`, then close the engine.
 */
export function createShutdown(d: ShutdownDeps): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      d.startDraining();
      const stopped = new Promise<void>((resolve) => d.http.close(() => resolve()));
      for (const c of d.ctx.sockets.all()) c.shutdown(CLOSE_CODES.going_away, 'server shutting down');
      for (const c of d.ctx.streams.all()) c.shutdown(CLOSE_CODES.going_away, 'server shutting down');
      for (const poll of d.ctx.polls) poll.cancel();
      d.http.closeIdleConnections();
      // Wait for requests in flight (ended streams included), not for idle sockets: a client may hold
      // a connection it never sends a request on, and closeIdleConnections does not count it.
      const deadline = Date.now() + d.options.shutdownTimeoutMs;
      while (d.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      d.http.closeAllConnections();
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 100))]);
      d.ctx.streams.stop();
      d.silent.stop();
      d.ctx.sockets.stop();
      d.hub.close();
      d.metrics.stop();
      await d.options.engine.close();
    })();
    return closing;
  };
}
