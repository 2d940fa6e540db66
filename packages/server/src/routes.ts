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
import { Router } from './router.ts';
import { subscribeOrPull, type TransportContext } from './transports/index.ts';

/** Routes of the browser SDK builds with one transport, and their files beside the `/herald.js` bundle. */
const ONE_TRANSPORT_BUNDLES = [
  ['/herald-ws.js', 'herald-ws.min.js'],
  ['/herald-sse.js', 'herald-sse.min.js'],
] as const;

/** What the routes hand requests to. */
export interface RouteDeps {
  readonly ctx: TransportContext;
  readonly ops: OperationsContext;
  readonly blobCtx: BlobContext;
  readonly publishCtx: PublishContext;
  readonly statsStream: StatsStream;
}

/** The route table: every URL of the HTTP API (contract sections 2-5, 9) and the pages. */
export function createRouter({ ctx, ops, blobCtx, publishCtx, statsStream }: RouteDeps): Router {
  const { hub, stats, options } = ctx;
  const router = new Router();
  router.on('GET', '/healthz', (req, res) => handleHealth(ops, req, res));
  router.on('GET', '/readyz', (req, res) => handleReady(ops, req, res));
  router.on('GET', '/metrics', (req, res) => handleMetrics(ops, req, res));
  router.on('GET', '/v1/stats', async (req, res, _p, q) =>
    handleStats(ops, req, res, await ctx.auth.authenticate(req, q)),
  );
  router.on('GET', '/v1/stats/stream', async (req, res, _p, q) =>
    statsStream.handle(req, res, await ctx.auth.authenticate(req, q)),
  );
  router.on('GET', '/v1/channels/:channel/presence', async (req, res, p, q) =>
    handlePresence(hub, req, res, p.channel, await ctx.auth.authenticate(req, q)),
  );
  // Blobs (contract section 5).
  router.on('PUT', '/v1/blobs/:name', async (req, res, p, q) =>
    handleBlobPut(blobCtx, req, res, p.name, await ctx.auth.authenticate(req, q)),
  );
  for (const method of ['GET', 'HEAD'] as const) {
    router.on(method, '/v1/blobs/:name', async (req, res, p, q) =>
      handleBlobGet(blobCtx, req, res, p.name, await ctx.auth.authenticate(req, q)),
    );
  }
  router.on('DELETE', '/v1/blobs/:name', async (req, res, p, q) =>
    handleBlobDelete(blobCtx, req, res, p.name, await ctx.auth.authenticate(req, q)),
  );
  router.on('GET', '/v1/channels/:channel', async (req, res, p, q) =>
    handleChannelInfo(ops, req, res, p.channel, await ctx.auth.authenticate(req, q)),
  );
  router.on('GET', '/v1/channels/:channel/messages', (req, res, p, q) => subscribeOrPull(ctx, req, res, q, p.channel));
  router.on('GET', '/v1/events', (req, res, _p, q) => subscribeOrPull(ctx, req, res, q, undefined));
  router.on('POST', '/v1/channels/:channel/messages', async (req, res, p, q) =>
    handlePublish(publishCtx, req, res, p.channel, await ctx.auth.authenticate(req, q)),
  );
  // Durable Streams protocol (docs/durable-streams.md): the same channels as byte or JSON streams.
  mountDurableStreams(router, ctx);
  router.on('POST', '/v1/client-reports', (req, res) => handleClientReport(stats, req, res));
  if (options.clientBundlePath !== undefined) {
    router.on('GET', '/herald.js', staticFile(options.clientBundlePath, 'text/javascript; charset=utf-8'));
    // The one-transport builds written beside it (scripts/build-client.mjs); 404 where they are not.
    for (const [route, file] of ONE_TRANSPORT_BUNDLES) {
      const path = join(dirname(options.clientBundlePath), file);
      router.on('GET', route, staticFile(path, 'text/javascript; charset=utf-8'));
    }
  }
  // Demo pages and dashboard (web/dist): one exact route per file, read once here.
  for (const { path, handler } of options.webDir === undefined ? [] : webRoutes(options.webDir)) {
    router.on('GET', path, handler);
  }
  router.on('POST', '/v1/publish', async (req, res, _p, q) =>
    handleMultiPublish(publishCtx, req, res, await ctx.auth.authenticate(req, q)),
  );
  return router;
}
