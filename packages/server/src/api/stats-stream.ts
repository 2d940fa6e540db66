import type { IncomingMessage, ServerResponse } from 'node:http';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { HeraldError, type Hub } from '@herald/core';
import { CLOSE_CODES, type StatsSnapshot } from '@herald/protocol';
import type { Principal } from '../auth/authenticator.ts';
import type { LiveConnection, Ticker } from '../heartbeat.ts';
import { SSE_CONTENT_TYPE, SSE_HEARTBEAT, sseClose, sseEvent, sseRetry } from '../http/sse-text.ts';
import { type ServerStats, TRANSPORTS, type TransportName } from '../stats.ts';
import { BusiestChannels } from './busiest-channels.ts';

/** Channels listed in `topChannels`: this many by subscribers, and as many by message rate. */
const TOP = 10;
/** Per-channel message counters kept while someone watches (bounds memory whatever the channel count). */
const RATE_COUNTERS = 64;
/** Event-loop sampling interval, ms; an idle loop reports about this much, so it is subtracted. */
const LAG_RESOLUTION_MS = 10;

type PerTransport = Record<TransportName, number>;

/** The counters rates are computed from, as of one tick. */
interface Sample {
  readonly at: number;
  readonly published: number;
  readonly delivered: PerTransport;
  readonly bytesOut: PerTransport;
}

export type { StatsSnapshot } from '@herald/protocol';

/**
 * `GET /v1/stats/stream`: Server-Sent Events with a {@link StatsSnapshot} every `intervalMs`, for the
 * operator dashboard. API keys only (`Authorization: Bearer` or `?token=`, as an EventSource cannot
 * set headers). One timer and one snapshot per tick for every client; the timer and the event-loop
 * monitor run only while someone watches. Clients are live connections of the streams ticker, so a
 * shutdown or the lifetime cap ends them like any stream. They are not counted as `sse` connections:
 * watching the dashboard does not change what it shows.
 */
export class StatsStream {
  private readonly clients = new Set<StatsClient>();
  private timer: NodeJS.Timeout | undefined;
  private lag: IntervalHistogram | undefined;
  private previous: Sample;
  /** Messages per channel since the previous tick, fed by the hub while the timer runs. */
  private readonly busiest = new BusiestChannels(RATE_COUNTERS);

  constructor(
    private readonly hub: Hub,
    private readonly stats: ServerStats,
    private readonly streams: Ticker,
    private readonly options: {
      readonly intervalMs: number;
      readonly retryMs: number;
      readonly maxBacklogBytes: number;
      /** True once the hub is shutting down: no new watchers then. */
      draining(): boolean;
      /** The bridges running beside the hub, if any. */
      bridges?(): StatsSnapshot['bridges'];
    },
  ) {
    this.previous = this.sample();
  }

  /** Answers one stats-stream request. */
  async handle(_req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void> {
    if (principal.kind === 'anonymous') throw new HeraldError('unauthorized', 'the stats stream needs the API key');
    if (principal.kind !== 'key') throw new HeraldError('forbidden', 'the stats stream needs the API key');
    if (this.options.draining()) throw new HeraldError('unavailable', 'the hub is shutting down', 1);
    res.writeHead(200, {
      'content-type': SSE_CONTENT_TYPE,
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    res.write(sseRetry(this.options.retryMs));
    const client = new StatsClient(res, this.options.maxBacklogBytes, (c) => this.remove(c));
    this.clients.add(client);
    this.streams.add(client);
    if (this.timer === undefined) this.start();
    // The first snapshot at once, so a dashboard has numbers before the first tick.
    client.send(sseEvent(JSON.stringify(await this.snapshot())));
  }

  private start(): void {
    this.previous = this.sample();
    this.busiest.clear();
    this.hub.onPublished = (channel, messages) => this.busiest.add(channel, messages);
    this.lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    this.lag.enable();
    this.timer = setInterval(() => {
      this.tick().catch(() => {});
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private remove(client: StatsClient): void {
    this.clients.delete(client);
    this.streams.delete(client);
    if (this.clients.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.hub.onPublished = undefined;
    this.busiest.clear();
    this.lag?.disable();
    this.lag = undefined;
  }

  private async tick(): Promise<void> {
    const snapshot = await this.snapshot();
    this.previous = this.sample();
    this.busiest.clear();
    this.lag?.reset();
    const frame = sseEvent(JSON.stringify(snapshot));
    for (const client of this.clients) client.send(frame);
  }

  private sample(): Sample {
    return {
      at: Date.now(),
      published: this.hub.published,
      delivered: { ...this.stats.delivered },
      bytesOut: { ...this.stats.bytesOut },
    };
  }

  /** The snapshot now, with rates over the time since the previous tick. */
  private async snapshot(): Promise<StatsSnapshot> {
    const now = this.sample();
    const seconds = (now.at - this.previous.at) / 1000;
    const rate = (delta: number): number => (seconds < 0.05 ? 0 : Math.round((delta / seconds) * 10) / 10);
    const perSecond = (key: 'delivered' | 'bytesOut'): PerTransport => {
      const out = {} as PerTransport;
      for (const t of TRANSPORTS) out[t] = rate(now[key][t] - this.previous[key][t]);
      return out;
    };
    const total = (counts: PerTransport): number => TRANSPORTS.reduce((n, t) => n + counts[t], 0);
    const delivered = total(now.delivered);
    const connections = { ...this.stats.connections, total: total(this.stats.connections) };
    const memory = process.memoryUsage();
    return {
      time: now.at,
      uptimeMs: now.at - this.stats.startedAt,
      intervalMs: this.options.intervalMs,
      connections,
      messages: {
        inPerSec: rate(now.published - this.previous.published),
        outPerSec: rate(delivered - total(this.previous.delivered)),
        published: now.published,
        delivered,
      },
      deliveredPerSec: perSecond('delivered'),
      bytesOutPerSec: perSecond('bytesOut'),
      bytesOut: now.bytesOut,
      subscriptions: this.hub.subscriptionCount(),
      historyMessages: this.hub.engine.historySize?.() ?? null,
      topChannels: await this.topChannels(rate),
      eventLoopLagMs: this.lagMs(),
      memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal },
      bridges: this.options.bridges?.(),
    };
  }

  /** The top channels by subscribers and by messages since the previous tick (`rate` makes that per second). */
  private async topChannels(rate: (messages: number) => number): Promise<StatsSnapshot['topChannels']> {
    const rows = new Map<string, { subscribers: number; messagesPerSec: number }>();
    for (const { channel, subscribers } of this.hub.topChannels(TOP))
      rows.set(channel, { subscribers, messagesPerSec: 0 });
    for (const { channel, messages } of this.busiest.top(TOP)) {
      const row = rows.get(channel);
      if (row !== undefined) row.messagesPerSec = rate(messages);
      else {
        const subscribers = this.hub.subscriberCount(channel);
        rows.set(channel, { subscribers, messagesPerSec: rate(messages) });
      }
    }
    const out = await Promise.all(
      [...rows].map(async ([channel, row]) => {
        const state = await this.hub.state(channel).catch(() => undefined);
        return { channel, ...row, historyLength: state === undefined ? 0 : state.last - state.first + 1 };
      }),
    );
    return out.sort((a, b) => b.messagesPerSec - a.messagesPerSec || b.subscribers - a.subscribers);
  }

  private lagMs(): StatsSnapshot['eventLoopLagMs'] {
    const h = this.lag;
    if (h === undefined || h.count === 0) return { p50: 0, p99: 0, max: 0 };
    // The delay beyond the sampling interval: 0 on an idle loop, the blocking time on a busy one.
    const ms = (ns: number): number => Math.max(0, Math.round((ns / 1e6 - LAG_RESOLUTION_MS) * 100) / 100);
    return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
  }
}

/** One dashboard's response. */
class StatsClient implements LiveConnection {
  readonly openedAt = Date.now();
  heartbeatStep = -1;
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly maxBacklogBytes: number,
    private readonly onEnd: (client: StatsClient) => void,
  ) {
    res.on('close', () => this.end());
  }

  send(frame: string): void {
    if (this.ended) return;
    // A dashboard that stopped reading is cut rather than buffered for (contract 7a).
    if (this.res.writableLength > this.maxBacklogBytes) {
      this.shutdown(CLOSE_CODES.slow_consumer, 'slow consumer');
      return;
    }
    this.res.write(frame);
  }

  heartbeat(): void {
    this.send(SSE_HEARTBEAT);
  }

  shutdown(code: number, reason: string): void {
    if (this.ended) return;
    this.res.end(sseClose(code, reason));
    this.end();
  }

  expiresAt(): number | undefined {
    return undefined;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
  }
}
