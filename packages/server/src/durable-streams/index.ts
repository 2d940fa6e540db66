import type { Router } from '../router.ts';
import type { TransportContext } from '../transports/transport.ts';
import type { StreamsContext } from './context.ts';
import { guarded, handleDelete, handleGet, handleHead, handlePost, handlePut, streamChannel } from './handlers.ts';
import { Streams } from './streams.ts';

/**
 * Mounts the Durable Streams protocol (docs/durable-streams.md) at `/v1/stream/{path}`: PUT, POST,
 * GET (catch-up, long poll, SSE), HEAD and DELETE, with the hub's credentials, limits and engine.
 */
export function mountDurableStreams(router: Router, server: TransportContext): void {
  const c: StreamsContext = { streams: new Streams(server.hub), server };
  const path = '/v1/stream/*';
  router.on('PUT', path, (req, res, p, q) =>
    guarded(res, async () => handlePut(c, req, res, streamChannel(p['*']), await server.auth.authenticate(req, q))),
  );
  router.on('POST', path, (req, res, p, q) =>
    guarded(res, async () => handlePost(c, req, res, streamChannel(p['*']), await server.auth.authenticate(req, q))),
  );
  router.on('GET', path, (req, res, p, q) =>
    guarded(res, async () => handleGet(c, req, res, streamChannel(p['*']), q, await server.auth.authenticate(req, q))),
  );
  router.on('HEAD', path, (req, res, p, q) =>
    guarded(res, async () => handleHead(c, res, streamChannel(p['*']), await server.auth.authenticate(req, q))),
  );
  router.on('DELETE', path, (req, res, p, q) =>
    guarded(res, async () => handleDelete(c, req, res, streamChannel(p['*']), await server.auth.authenticate(req, q))),
  );
}
