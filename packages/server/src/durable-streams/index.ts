import type { CallerHandler, Route, Router } from '../router.ts';
import type { StreamsContext, StreamsServer } from './context.ts';
import { guarded, handleDelete, handleGet, handleHead, handlePost, handlePut, streamChannel } from './handlers.ts';
import { securityHeaders } from './headers.ts';
import { Streams } from './streams.ts';

/**
 * Mounts the Durable Streams protocol (docs/durable-streams.md) at `/v1/stream/{path}`: PUT, POST,
 * GET (catch-up, long poll, SSE), HEAD and DELETE, with the hub's credentials, limits and engine.
 */
export function mountDurableStreams(router: Router, server: StreamsServer): void {
  const c: StreamsContext = { streams: new Streams(server.hub), server };
  const path = '/v1/stream/*';
  // Every answer, a refused credential included, carries the protocol's security headers.
  const route = (handler: CallerHandler): Route => ({ access: 'caller', handler, prepare: securityHeaders });
  router.on(
    'PUT',
    path,
    route((req, res, p, _q, who) => guarded(res, () => handlePut(c, req, res, streamChannel(p['*']), who))),
  );
  router.on(
    'POST',
    path,
    route((req, res, p, _q, who) => guarded(res, () => handlePost(c, req, res, streamChannel(p['*']), who))),
  );
  router.on(
    'GET',
    path,
    route((req, res, p, q, who) => guarded(res, () => handleGet(c, req, res, streamChannel(p['*']), q, who))),
  );
  router.on(
    'HEAD',
    path,
    route((_req, res, p, _q, who) => guarded(res, () => handleHead(c, res, streamChannel(p['*']), who))),
  );
  router.on(
    'DELETE',
    path,
    route((req, res, p, _q, who) => guarded(res, () => handleDelete(c, req, res, streamChannel(p['*']), who))),
  );
}
