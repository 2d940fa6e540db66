import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { DEFAULT_NAMESPACE, Hub, type NamespaceSettings, Namespaces } from '@herald/core';
import { pino } from 'pino';
import { createBlobContext } from './api/blobs.ts';
import { handlePublish } from './api/publish.ts';
import { StatsStream } from './api/stats-stream.ts';
import { Authenticator } from './auth/authenticator.ts';
import { BridgeReports } from './bridges/bridge-reports.ts';
import { Ticker } from './heartbeat.ts';
import { Hooks } from './hooks/hooks.ts';
import { answerClientError } from './http/client-error.ts';
import { Cors } from './http/cors.ts';
import { deferContinue } from './http/expect-continue.ts';
import { createRequestPipeline } from './http/request-pipeline.ts';
import { useInternals } from './internals/index.ts';
import { Limits, validateLimits } from './limits/limits.ts';
import { SilentConnections } from './limits/silent-connections.ts';
import { createMetrics } from './metrics.ts';
import { DEFAULTS, type HeraldOptions } from './options.ts';
import { createRouter } from './routes.ts';
import { createShutdown } from './shutdown.ts';
import { ServerStats } from './stats.ts';
import { createUpgradeHandler, shortcutPoll, socketRoutes, type TransportContext } from './transports/index.ts';
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
  const internals = useInternals(options.nodeInternals);
  const ctx: TransportContext = {
    hub,
    options: {
      sseRetryMs: options.sseRetryMs,
      longPollMaxMs: options.longPollMaxMs,
      maxSubscriptionsPerConnection: options.maxSubscriptionsPerConnection,
      maxFrameBytes: options.maxFrameBytes,
      maxBacklogBytes: options.maxBacklogBytes,
      streamHeartbeatMs: options.streamHeartbeatMs,
      maxBodyBytes: options.maxBodyBytes,
    },
    stats,
    logger,
    auth: new Authenticator(options.apiKeys, options.jwt),
    cors: new Cors(options.allowedOrigins),
    limits,
    hooks,
    // The hub checks the positions of watched channels (networked engines) on the stream heartbeat.
    streams: new Ticker(options.streamHeartbeatMs, options.maxConnectionLifetimeMs, jwtEnabled, () => hub.tick()),
    sockets: new Ticker(options.wsPingMs, options.maxConnectionLifetimeMs, jwtEnabled),
    polls: new Set(),
    internals,
    turns: new WriteTurns(internals),
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

  const router = createRouter({ ctx, ops, blobCtx, publishCtx, statsStream, pages: options });
  const handleUpgrade = createUpgradeHandler(ctx, socketRoutes());

  const pipeline = createRequestPipeline({
    router,
    auth: ctx.auth,
    cors: ctx.cors,
    stats,
    logger,
    shortcut: (req, res) => shortcutPoll(ctx, req, res),
    publish: (req, res, channel, principal) => handlePublish(publishCtx, req, res, channel, principal),
  });
  const { handleRequest } = pipeline;

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

  const close = createShutdown({
    http,
    hub,
    ctx,
    options,
    silent,
    metrics,
    inFlight: pipeline.inFlight,
    startDraining: () => {
      draining = true;
    },
  });

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
