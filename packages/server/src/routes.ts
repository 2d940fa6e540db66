import { dirname, join } from 'node:path';
import { handleBlobPut } from './api/blob-upload.ts';
import { type BlobContext, handleBlobDelete, handleBlobGet } from './api/blobs.ts';
import { handleClientReport } from './api/client-reports.ts';
import {
  handleChannelInfo,
  handleHealth,
  handleMetrics,
  handleReady,
  handleStats,
  type OperationsContext,
} from './api/operations.ts';
import { handlePresence } from './api/presence.ts';
import { handleMultiPublish, handlePublish, type PublishContext } from './api/publish.ts';
import { staticFile } from './api/static-file.ts';
import type { StatsStream } from './api/stats-stream.ts';
import { webRoutes } from './api/web-assets.ts';
import { mountDurableStreams } from './durable-streams/index.ts';
import type { HeraldOptions } from './options.ts';
import { type CallerHandler, type PublicHandler, type Route, Router } from './router.ts';
import { subscribeOrPull, type TransportContext } from './transports/index.ts';

/**
 * Routes of the browser SDK files beside the `/herald.js` bundle: the builds with one transport, and
 * the code `/herald.js` and `/herald-ws.js` load when a client needs more than its WebSocket.
 */
const BESIDE_BUNDLE = [
  ['/herald-ws.js', 'herald-ws.min.js'],
  ['/herald-sse.js', 'herald-sse.min.js'],
  ['/herald-fallbacks.js', 'herald-fallbacks.min.js'],
] as const;

/** What the routes hand requests to. */
export interface RouteDeps {
  readonly ctx: TransportContext;
  readonly ops: OperationsContext;
  readonly blobCtx: BlobContext;
  readonly publishCtx: PublishContext;
  readonly statsStream: StatsStream;
  /** Where the client bundle and the web pages are served from (none when unset). */
  readonly pages: Pick<HeraldOptions, 'clientBundlePath' | 'webDir'>;
}

/** The route table: every URL of the HTTP API (contract sections 2-5, 9) and the pages. */
export function createRouter({ ctx, ops, blobCtx, publishCtx, statsStream, pages: options }: RouteDeps): Router {
  const { hub, stats } = ctx;
  const router = new Router();
  const open = (handler: PublicHandler): Route => ({ access: 'public', handler });
  const caller = (handler: CallerHandler): Route => ({ access: 'caller', handler });
  router.on(
    'GET',
    '/healthz',
    open((req, res) => handleHealth(ops, req, res)),
  );
  router.on(
    'GET',
    '/readyz',
    open((req, res) => handleReady(ops, req, res)),
  );
  router.on(
    'GET',
    '/metrics',
    open((req, res) => handleMetrics(ops, req, res)),
  );
  router.on(
    'GET',
    '/v1/stats',
    caller((req, res, _p, _q, who) => handleStats(ops, req, res, who)),
  );
  router.on(
    'GET',
    '/v1/stats/stream',
    caller((req, res, _p, _q, who) => statsStream.handle(req, res, who)),
  );
  router.on(
    'GET',
    '/v1/channels/:channel/presence',
    caller((req, res, p, _q, who) => handlePresence(hub, req, res, p.channel, who)),
  );
  // Blobs (contract section 5).
  router.on(
    'PUT',
    '/v1/blobs/:name',
    caller((req, res, p, _q, who) => handleBlobPut(blobCtx, req, res, p.name, who)),
  );
  for (const method of ['GET', 'HEAD'] as const) {
    router.on(
      method,
      '/v1/blobs/:name',
      caller((req, res, p, _q, who) => handleBlobGet(blobCtx, req, res, p.name, who)),
    );
  }
  router.on(
    'DELETE',
    '/v1/blobs/:name',
    caller((req, res, p, _q, who) => handleBlobDelete(blobCtx, req, res, p.name, who)),
  );
  router.on(
    'GET',
    '/v1/channels/:channel',
    caller((req, res, p, _q, who) => handleChannelInfo(ops, req, res, p.channel, who)),
  );
  router.on(
    'GET',
    '/v1/channels/:channel/messages',
    caller((req, res, p, q, who) => subscribeOrPull(ctx, req, res, q, p.channel, who)),
  );
  router.on(
    'GET',
    '/v1/events',
    caller((req, res, _p, q, who) => subscribeOrPull(ctx, req, res, q, undefined, who)),
  );
  router.on(
    'POST',
    '/v1/channels/:channel/messages',
    caller((req, res, p, _q, who) => handlePublish(publishCtx, req, res, p.channel, who)),
  );
  // Durable Streams protocol (docs/durable-streams.md): the same channels as byte or JSON streams.
  mountDurableStreams(router, ctx);
  router.on(
    'POST',
    '/v1/client-reports',
    open((req, res) => handleClientReport(stats, req, res)),
  );
  if (options.clientBundlePath !== undefined) {
    router.on('GET', '/herald.js', open(staticFile(options.clientBundlePath, 'text/javascript; charset=utf-8')));
    // The files written beside it (scripts/build-client.mjs); 404 where they are not.
    for (const [route, file] of BESIDE_BUNDLE) {
      const path = join(dirname(options.clientBundlePath), file);
      router.on('GET', route, open(staticFile(path, 'text/javascript; charset=utf-8')));
    }
  }
  // Demo pages and dashboard (web/dist): one exact route per file, read once here.
  for (const { path, handler } of options.webDir === undefined ? [] : webRoutes(options.webDir)) {
    router.on('GET', path, open(handler));
  }
  router.on(
    'POST',
    '/v1/publish',
    caller((req, res, _p, _q, who) => handleMultiPublish(publishCtx, req, res, who)),
  );
  return router;
}
