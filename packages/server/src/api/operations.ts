import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Hub } from '@herald/core';
import type { Registry } from 'prom-client';
import type { Principal } from '../auth/authenticator.ts';
import type { BridgeReport } from '../bridges/bridge-reports.ts';
import { channelParam } from '../http/query.ts';
import { sendJson } from '../http/respond.ts';
import type { ServerStats } from '../stats.ts';

/** What the operations endpoints read. */
export interface OperationsContext {
  readonly hub: Hub;
  readonly stats: ServerStats;
  readonly registry: Registry;
  /** Message-queue bridges running beside the hub (shown in `/readyz`, never deciding it). */
  readonly bridges?: { status(): readonly BridgeReport[] };
  draining(): boolean;
}

/** `GET /healthz`: the process is up. */
export function handleHealth(_ctx: OperationsContext, _req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

/**
 * `GET /readyz`: the engine is reachable and the hub is not draining; 503 otherwise. Bridges are listed
 * (name, type, state, since) but do not decide it: a node whose broker is away still serves its
 * subscribers, and taking every node out of the balancer for a broker outage would cut them all off.
 * Their last errors (which may name hosts) are in the stats stream, for the API key; counters in `/metrics`.
 */
export async function handleReady(ctx: OperationsContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const engine = await ctx.hub.engineReady();
  const ready = engine && !ctx.draining();
  const bridges = ctx.bridges?.status().map(({ name, type, state, since }) => ({ name, type, state, since })) ?? [];
  const detail = bridges.length === 0 ? {} : { bridges };
  if (ready) sendJson(res, 200, { status: 'ready', ...detail });
  else
    sendJson(
      res,
      503,
      {
        error: { code: 'unavailable', message: ctx.draining() ? 'shutting down' : 'the engine is unreachable' },
        ...detail,
      },
      { 'retry-after': 2 },
    );
}

/** `GET /metrics`: Prometheus text. */
export async function handleMetrics(ctx: OperationsContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = await ctx.registry.metrics();
  res.writeHead(200, { 'content-type': ctx.registry.contentType });
  res.end(text);
}

/** `GET /v1/channels/{channel}`: epoch, offsets, history length, subscribers by transport. */
export async function handleChannelInfo(
  ctx: OperationsContext,
  _req: IncomingMessage,
  res: ServerResponse,
  channel: string | undefined,
  principal: Principal,
): Promise<void> {
  const name = channelParam(channel);
  // Who may read a channel may see its state; nobody else learns it exists.
  principal.assertSubscribe(name, ctx.hub.settings(name));
  sendJson(res, 200, await ctx.hub.channelInfo(name));
}

/**
 * `GET /v1/stats`: a JSON snapshot for dashboards. Counts are for anyone; `topChannels` names only the
 * channels the caller may read (an API key: all), so private names never leak to anonymous callers.
 */
export function handleStats(
  ctx: OperationsContext,
  _req: IncomingMessage,
  res: ServerResponse,
  principal: Principal,
): void {
  const { stats, hub } = ctx;
  const readable = (channel: string): boolean => principal.maySubscribe(channel, hub.settings(channel));
  const memory = process.memoryUsage();
  sendJson(res, 200, {
    uptimeMs: Date.now() - stats.startedAt,
    connections: stats.connections,
    delivered: stats.delivered,
    bytesOut: stats.bytesOut,
    published: hub.published,
    subscriptions: hub.subscriptionCount(),
    historyMessages: hub.engine.historySize?.() ?? null,
    topChannels: hub.topChannels(10, readable),
    memory: { rss: memory.rss, heapUsed: memory.heapUsed },
  });
}
