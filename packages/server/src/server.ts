import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { DEFAULT_NAMESPACE, HeraldError, Hub, Namespaces } from '@herald/core';
import { type Cursor, ERROR_CATALOG } from '@herald/protocol';
import { pino } from 'pino';
import { WebSocketServer } from 'ws';
import { handleBlobPut } from './api/blob-upload.ts';
import { createBlobContext, handleBlobDelete, handleBlobGet } from './api/blobs.ts';
import { handleClientReport } from './api/client-reports.ts';
import { handleChannelInfo, handleHealth, handleMetrics, handleReady, handleStats } from './api/operations.ts';
import { handlePresence } from './api/presence.ts';
import { handleMultiPublish, handlePublish } from './api/publish.ts';
import { staticFile } from './api/static-file.ts';
import { StatsStream } from './api/stats-stream.ts';
import { webRoutes } from './api/web-assets.ts';
import { Authenticator, type Principal } from './auth/authenticator.ts';
import { Ticker } from './heartbeat.ts';
import { answerClientError } from './http/client-error.ts';
import { Cors } from './http/cors.ts';
import { channelParam, cursorParam, waitParam } from './http/query.ts';
import { redact } from './http/redact.ts';
import { refuseUpgrade, sendError, toHeraldError } from './http/respond.ts';
import { Limits, validateLimits } from './limits/limits.ts';
import { closeIfSilent } from './limits/silent-connections.ts';
import { createMetrics } from './metrics.ts';
import { DEFAULTS, type HeraldOptions } from './options.ts';
import { Router } from './router.ts';
import { ServerStats } from './stats.ts';
import { handleLongPoll, handlePoll } from './transports/long-poll.ts';
import { handleNdjson } from './transports/ndjson.ts';
import { handleSse } from './transports/sse.ts';
import type { TransportContext } from './transports/transport.ts';
import { serveBoundSocket } from './transports/ws-bound.ts';
import { serveMuxSocket } from './transports/ws-mux.ts';

/** A running hub: attach its handlers to your own server, or let it own one with `listen`. */
export interface HeraldServer {
  readonly hub: Hub;
  readonly stats: ServerStats;
  /** The node:http server the hub owns (used by `listen`). */
  readonly http: Server;
  /** Handles one HTTP request (attach to an existing server's 'request' event). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  /** Handles one upgrade (attach to an existing server's 'upgrade' event). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Listens on `port` (0 = any free one); resolves with the base URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Graceful shutdown: stop accepting, close sockets (1001) and streams, answer long polls, close the engine. */
  close(): Promise<void>;
}

/** Options for {@link createHerald}: the engine plus any {@link HeraldOptions} to override. */
export type HeraldInit = Partial<HeraldOptions> & Pick<HeraldOptions, 'engine'>;

/** Creates the hub: the core, every transport and the HTTP API, wired together. */
export function createHerald(init: HeraldInit): HeraldServer {
  const options: HeraldOptions = {
    ...DEFAULTS,
    defaultNamespace: DEFAULT_NAMESPACE,
    ...stripUndefined(init),
    engine: init.engine,
  };
  validateLimits(options);
  const logger = options.logger ?? pino({ level: 'silent' });
  const hub = new Hub({
    engine: options.engine,
    namespaces: new Namespaces(options.defaultNamespace, options.namespaces),
    pollIntervalMs: options.pollIntervalMs,
    maxBacklogBytes: options.maxBacklogBytes,
    onError: (error) => logger.error({ err: error }, 'delivery failed'),
  });
  const stats = new ServerStats();
  const metrics = createMetrics(stats, hub);
  let draining = false;
  const jwtEnabled = Object.values(options.jwt).some((v) => v !== undefined);
  const ctx: TransportContext = {
    hub,
    options,
    stats,
    logger,
    auth: new Authenticator(options.apiKeys, options.jwt),
    cors: new Cors(options.allowedOrigins),
    limits: new Limits(options),
    streams: new Ticker(options.streamHeartbeatMs, options.maxConnectionLifetimeMs, jwtEnabled),
    sockets: new Ticker(options.wsPingMs, options.maxConnectionLifetimeMs, jwtEnabled),
    polls: new Set(),
    draining: () => draining,
  };
  const ops = { hub, stats, registry: metrics.registry, draining: () => draining };
  const blobCtx = createBlobContext(hub, options, (error) => logger.warn({ err: error }, 'blob store'));
  const statsStream = new StatsStream(hub, stats, ctx.streams, {
    intervalMs: options.statsIntervalMs,
    retryMs: options.sseRetryMs,
    maxBacklogBytes: options.maxBacklogBytes,
    draining: () => draining,
  });
  const publishCtx = { hub, maxBodyBytes: options.maxBodyBytes, limits: ctx.limits };
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });

  const router = new Router();
  router.on('GET', '/healthz', (req, res) => handleHealth(ops, req, res));
  router.on('GET', '/readyz', (req, res) => handleReady(ops, req, res));
  router.on('GET', '/metrics', (req, res) => handleMetrics(ops, req, res));
  router.on('GET', '/v1/stats', (req, res) => handleStats(ops, req, res));
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
  router.on('GET', '/v1/channels/:channel/messages', (req, res, p, q) => subscribeOrPull(req, res, q, p.channel));
  router.on('GET', '/v1/events', (req, res, _p, q) => subscribeOrPull(req, res, q, undefined));
  router.on('POST', '/v1/channels/:channel/messages', async (req, res, p, q) =>
    handlePublish(publishCtx, req, res, p.channel, await ctx.auth.authenticate(req, q)),
  );
  router.on('POST', '/v1/client-reports', (req, res) => handleClientReport(stats, req, res));
  if (options.clientBundlePath !== undefined) {
    router.on('GET', '/herald.js', staticFile(options.clientBundlePath, 'text/javascript; charset=utf-8'));
  }
  // Demo pages and dashboard (web/dist): one exact route per file, read once here.
  for (const { path, handler } of options.webDir === undefined ? [] : webRoutes(options.webDir)) {
    router.on('GET', path, handler);
  }
  router.on('POST', '/v1/publish', async (req, res, _p, q) =>
    handleMultiPublish(publishCtx, req, res, await ctx.auth.authenticate(req, q)),
  );

  /** One URL, every transport: chosen by Upgrade (elsewhere), Accept and `wait` (contract section 3). */
  async function subscribeOrPull(
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
    channel: string | undefined,
  ): Promise<void> {
    const accept = req.headers.accept ?? '*/*';
    if (accept.includes('text/event-stream')) return handleSse(ctx, req, res, query, channel);
    if (accept.includes('application/x-ndjson')) return handleNdjson(ctx, req, res, query, channel);
    if (!/(?:^|[\s,])(?:\*\/\*|application\/\*|application\/json)/.test(accept)) {
      throw new HeraldError(
        'not_acceptable',
        'this URL serves application/json, text/event-stream or application/x-ndjson',
      );
    }
    const waitMs = waitParam(query.get('wait') ?? undefined, options.longPollMaxMs);
    if (query.getAll('wait').length > 1) throw new HeraldError('bad_request', 'parameter wait is given more than once');
    if (waitMs > 0) return handleLongPoll(ctx, req, res, query, channel, waitMs);
    return handlePoll(ctx, req, res, query, channel);
  }

  let inFlight = 0;
  // Shared listeners (no closure per request): a closure here would keep this request's URL and
  // route match alive for as long as a stream stays open.
  function onFinish(this: ServerResponse): void {
    stats.countRequest(this.statusCode);
  }
  function onClose(): void {
    inFlight--;
  }
  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    inFlight++;
    res.on('finish', onFinish);
    res.on('close', onClose);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendError(res, new HeraldError('bad_request', 'invalid URL'));
      return;
    }
    if (req.method === 'OPTIONS') {
      ctx.cors.preflight(req, res);
      return;
    }
    try {
      ctx.cors.assertAllowed(req, res);
    } catch (error) {
      sendError(res, error);
      return;
    }
    // CORS headers on every answer, errors included, so a browser can read a 404 or 405.
    ctx.cors.apply(req, res);
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (match.kind === 'not_found') {
      sendError(res, new HeraldError('not_found', `no route ${url.pathname}`));
      return;
    }
    if (match.kind === 'method_not_allowed') {
      sendError(res, new HeraldError('method_not_allowed'), { allow: match.allow });
      return;
    }
    Promise.resolve()
      .then(() => match.handler(req, res, match.params, url.searchParams))
      .catch((error: unknown) => {
        if (!(error instanceof HeraldError)) logger.error({ err: error, url: redact(req.url) }, 'request failed');
        sendError(res, error);
      });
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {});
    upgrade(req, socket, head).catch((error: unknown) => refuseUpgrade(socket, error));
  }

  /** Checks an upgrade (draining, origin, route, credentials, cursor) before accepting it. */
  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (draining) throw new HeraldError('unavailable', 'the hub is shutting down', 1);
    if (!ctx.cors.allows(req.headers.origin)) throw new HeraldError('forbidden', 'origin not allowed');
    const url = parseUrl(req.url);
    const query = url.searchParams;
    const match = router.match('GET', url.pathname);
    const bound = match.kind === 'found' && /^\/v1\/channels\/[^/]+\/messages\/?$/.test(url.pathname);
    if (url.pathname !== '/v1/ws' && !bound) throw new HeraldError('not_found', 'no WebSocket endpoint here');
    const principal = await ctx.auth.authenticate(req, query);
    if (socket.destroyed) return;
    if (!bound) {
      holdConnection(req, socket);
      acceptMux(req, socket, head, principal);
      return;
    }
    const channel = channelParam(match.params.channel);
    const cursor = cursorParam(query.get('after') ?? undefined);
    principal.assertSubscribe(channel, hub.settings(channel));
    holdConnection(req, socket);
    acceptBound(req, socket, head, channel, cursor, principal);
  }

  /** Counts a WebSocket against its address's connection limit (429 beyond) until its socket closes. */
  function holdConnection(req: IncomingMessage, socket: Duplex): void {
    const address = ctx.limits.address(req);
    socket.once('close', ctx.limits.holdConnection(address));
    ctx.limits.remember(socket, address);
  }

  // The accept functions are separate so the socket's callbacks close over what they use only, not
  // over the upgrade request and its headers (which would then live as long as the socket).
  function acceptMux(req: IncomingMessage, socket: Duplex, head: Buffer, principal: Principal): void {
    wss.handleUpgrade(req, socket, head, (ws) => serveMuxSocket(ctx, ws, socket, principal));
  }

  function acceptBound(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    channel: string,
    cursor: Cursor | undefined,
    principal: Principal,
  ): void {
    wss.handleUpgrade(req, socket, head, (ws) => {
      serveBoundSocket(ctx, ws, socket, channel, cursor, principal).catch((error: unknown) => {
        const e = toHeraldError(error);
        if (e.code === 'internal') logger.error({ err: error }, 'bound socket failed');
        ws.close(ERROR_CATALOG[e.code].close, e.message.slice(0, 120));
      });
    });
  }

  const http = createServer({
    requestTimeout: options.requestTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    // Node checks those timeouts only this often (default 30 s, which would triple a 10 s slowloris cut).
    connectionsCheckingInterval: Math.min(1_000, options.headersTimeoutMs),
    keepAliveTimeout: 5_000,
  });
  http.on('connection', (socket) => closeIfSilent(socket, options.headersTimeoutMs));
  http.on('request', handleRequest);
  http.on('upgrade', handleUpgrade);
  http.on('clientError', answerClientError);

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing ??= (async () => {
      draining = true;
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      for (const c of [...ctx.sockets.connections]) c.shutdown(1001, 'server shutting down');
      for (const c of [...ctx.streams.connections]) c.shutdown(1001, 'server shutting down');
      for (const poll of ctx.polls) poll.abort();
      http.closeIdleConnections();
      // Wait for requests in flight (ended streams included), not for idle sockets: a client may hold
      // a connection it never sends a request on, and closeIdleConnections does not count it.
      const deadline = Date.now() + options.shutdownTimeoutMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      http.closeAllConnections();
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 100))]);
      ctx.streams.stop();
      ctx.sockets.stop();
      hub.close();
      metrics.stop();
      await options.engine.close();
    })();
    return closing;
  }

  return {
    hub,
    stats,
    http,
    handleRequest,
    handleUpgrade,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          const { port: actual } = http.address() as AddressInfo;
          resolve(`http://${host.includes(':') ? `[${host}]` : host}:${actual}`);
        });
      });
    },
    close,
  };
}

/** The request target as a URL; a target that is not one is a 400, not an internal error. */
function parseUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    throw new HeraldError('bad_request', 'invalid URL');
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
