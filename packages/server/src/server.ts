import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { DEFAULT_NAMESPACE, HeraldError, Hub, type NamespaceSettings, Namespaces } from '@herald/core';
import { pino } from 'pino';
import { createBlobContext } from './api/blobs.ts';
import { StatsStream } from './api/stats-stream.ts';
import { Authenticator } from './auth/authenticator.ts';
import { BridgeReports } from './bridges/bridge-reports.ts';
import { Ticker } from './heartbeat.ts';
import { Hooks } from './hooks/hooks.ts';
import { answerClientError } from './http/client-error.ts';
import { Cors } from './http/cors.ts';
import { deferContinue } from './http/expect-continue.ts';
import { redact } from './http/redact.ts';
import { splitTarget } from './http/request-target.ts';
import { sendError } from './http/respond.ts';
import { Limits, validateLimits } from './limits/limits.ts';
import { SilentConnections } from './limits/silent-connections.ts';
import { createMetrics } from './metrics.ts';
import { DEFAULTS, type HeraldOptions } from './options.ts';
import { createRouter } from './routes.ts';
import { ServerStats } from './stats.ts';
import { createUpgradeHandler, type TransportContext } from './transports/index.ts';
import { WriteTurns } from './transports/write-turns.ts';

/** A running hub: attach its handlers to your own server, or let it own one with `listen`. */
export interface HeraldServer {
  readonly hub: Hub;
  readonly stats: ServerStats;
  /**
   * Message-queue bridges shown in `/readyz`, `/metrics` and the stats stream: `bridges.add(running)`
   * (anything with `status()`, such as `startBridges()`'s result) and `bridges.latency` as their latency hook.
   */
  readonly bridges: BridgeReports;
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
  const bridges = new BridgeReports(metrics.registry);
  let draining = false;
  const jwtEnabled = Object.values(options.jwt).some((v) => v !== undefined);
  const limits = new Limits(options);
  const namespaceList = [options.defaultNamespace, ...Object.values(options.namespaces)] as NamespaceSettings[];
  const hooks = new Hooks(namespaceList, (req) => limits.address(req), logger);
  const ctx: TransportContext = {
    hub,
    options,
    stats,
    logger,
    auth: new Authenticator(options.apiKeys, options.jwt),
    cors: new Cors(options.allowedOrigins),
    limits,
    hooks,
    // The hub checks the positions of watched channels (networked engines) on the stream heartbeat.
    streams: new Ticker(options.streamHeartbeatMs, options.maxConnectionLifetimeMs, jwtEnabled, () => hub.tick()),
    sockets: new Ticker(options.wsPingMs, options.maxConnectionLifetimeMs, jwtEnabled),
    turns: new WriteTurns(),
    polls: new Set(),
    draining: () => draining,
  };
  const ops = { hub, stats, registry: metrics.registry, bridges, draining: () => draining };
  const blobCtx = createBlobContext(hub, options, (error) => logger.warn({ err: error }, 'blob store'));
  const statsStream = new StatsStream(hub, stats, ctx.streams, {
    intervalMs: options.statsIntervalMs,
    retryMs: options.sseRetryMs,
    maxBacklogBytes: options.maxBacklogBytes,
    draining: () => draining,
    bridges: () => bridges.snapshots(),
  });
  const publishCtx = { hub, maxBodyBytes: options.maxBodyBytes, limits: ctx.limits, hooks };

  const router = createRouter({ ctx, ops, blobCtx, publishCtx, statsStream });
  const handleUpgrade = createUpgradeHandler(ctx, router);

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
    const target = splitTarget(req.url);
    if (target === undefined) {
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
    const match = router.match(req.method ?? 'GET', target.path);
    if (match.kind === 'not_found') {
      sendError(res, new HeraldError('not_found', `no route ${target.path}`));
      return;
    }
    if (match.kind === 'method_not_allowed') {
      sendError(res, new HeraldError('method_not_allowed'), { allow: match.allow });
      return;
    }
    // Called directly, not in a promise: handlers that can answer at once (a 304 poll) do so.
    let pending: Promise<void> | void;
    try {
      pending = match.handler(req, res, match.params, target.query);
    } catch (error) {
      failRequest(req, res, error);
      return;
    }
    pending?.catch((error: unknown) => failRequest(req, res, error));
  }

  function failRequest(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    if (!(error instanceof HeraldError)) logger.error({ err: error, url: redact(req.url) }, 'request failed');
    sendError(res, error);
  }

  const http = createServer({
    requestTimeout: options.requestTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    // Node checks those timeouts only this often (default 30 s, which would triple a 10 s slowloris cut).
    connectionsCheckingInterval: Math.min(1_000, options.headersTimeoutMs),
    keepAliveTimeout: 5_000,
  });
  const silent = new SilentConnections(options.headersTimeoutMs);
  http.on('connection', (socket) => silent.watch(socket));
  http.on('request', handleRequest);
  // Expect: 100-continue goes to the same handler; body readers send the 100 once the request is authorized.
  http.on('checkContinue', deferContinue(handleRequest));
  http.on('upgrade', handleUpgrade);
  http.on('clientError', answerClientError);

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing ??= (async () => {
      draining = true;
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      for (const c of [...ctx.sockets.connections]) c.shutdown(1001, 'server shutting down');
      for (const c of [...ctx.streams.connections]) c.shutdown(1001, 'server shutting down');
      for (const poll of ctx.polls) poll.cancel();
      http.closeIdleConnections();
      // Wait for requests in flight (ended streams included), not for idle sockets: a client may hold
      // a connection it never sends a request on, and closeIdleConnections does not count it.
      const deadline = Date.now() + options.shutdownTimeoutMs;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      http.closeAllConnections();
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 100))]);
      ctx.streams.stop();
      silent.stop();
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
    bridges,
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

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
