import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Hub } from '@herald/core';
import type { Registry } from 'prom-client';
import type { Principal } from '../auth/authenticator.ts';
import { channelParam } from '../http/query.ts';
import { sendJson } from '../http/respond.ts';
import type { ServerStats } from '../stats.ts';

/** What the operations endpoints read. */
export interface OperationsContext {
  readonly hub: Hub;
  readonly stats: ServerStats;
  readonly registry: Registry;
  draining(): boolean;
}

/** `GET /healthz`: the process is up. */
export function handleHealth(_ctx: OperationsContext, _req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

/** `GET /readyz`: the engine is reachable and the hub is not draining; 503 otherwise. */
export async function handleReady(ctx: OperationsContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const engine = await ctx.hub.engine.ready().catch(() => false);
  const ready = engine && !ctx.draining();
  if (ready) sendJson(res, 200, { status: 'ready' });
  else
    sendJson(
      res,
      503,
      { error: { code: 'unavailable', message: ctx.draining() ? 'shutting down' : 'the engine is unreachable' } },
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

/** `GET /v1/stats`: a JSON snapshot for dashboards. */
export function handleStats(ctx: OperationsContext, _req: IncomingMessage, res: ServerResponse): void {
  const { stats, hub } = ctx;
  const memory = process.memoryUsage();
  sendJson(res, 200, {
    uptimeMs: Date.now() - stats.startedAt,
    connections: stats.connections,
    delivered: stats.delivered,
    bytesOut: stats.bytesOut,
    published: hub.published,
    subscriptions: hub.subscriptionCount(),
    historyMessages: hub.engine.historySize?.() ?? null,
    topChannels: hub.topChannels(10),
    memory: { rss: memory.rss, heapUsed: memory.heapUsed },
  });
}
