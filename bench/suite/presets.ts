// The scenarios A-F of docs/performance.md (and R, bench/suite/presets-redis.ts) as cases, in a full and a
// --quick size. Options given on the command line win over a preset's (e.g. `--suite A --duration 3`).
import type { BenchOptions, PeerName } from '../lib/options.ts';
import type { Case } from './plan.ts';
import { redisPresets } from './presets-redis.ts';

/**
 * Hubs compared on delivery: Herald, the two `ws` floors (one write per frame, and corked per
 * event-loop turn: the strongest Node baseline), Socket.IO, Nchan and Bun's pub/sub (each skipped
 * when not installed; Bun delivers on WebSocket only, so the SSE cases skip it).
 */
const DELIVERY: PeerName[] = ['herald', 'raw-ws-corked', 'raw-ws-per-frame', 'socketio', 'nchan', 'bun'];
/** Idle memory: the two floors run the same code, so one of them is enough. Bun holds WebSockets only. */
const IDLE: PeerName[] = ['herald', 'raw-ws-per-frame', 'socketio', 'nchan', 'bun'];
/** Latency at a fixed load: the corked floor is the stronger one; Bun's p99 at 10k is a target. */
const LATENCY: PeerName[] = ['herald', 'raw-ws-corked', 'socketio', 'nchan', 'bun'];
/** Ramps publish one POST per message (as an application publishes events) from this many keep-alive connections. */
const PUBLISH_CONNS = 16;
/** No batching in the ramps: more POSTs a second than any step needs. */
const SINGLE_POSTS = 1_000_000;
/** Hubs compared on HTTP request rates: Herald, the node:http floor, Nchan. */
const HTTP: PeerName[] = ['herald', 'http-floor', 'nchan'];

/** --quick keeps the headline comparison (A WS) with every peer and trims the rest. */
const QUICK_PEERS: Record<string, PeerName[]> = {
  'A sse': ['herald', 'raw-ws-corked', 'nchan'],
  B: ['herald', 'raw-ws-corked'],
  'D channels': ['herald', 'raw-ws-corked', 'raw-ws-per-frame'],
  F: ['herald', 'raw-ws-per-frame'],
};

const k = (n: number): string => (n >= 1000 ? `${n / 1000}k` : String(n));

interface Sizes {
  fanoutSubs: number[];
  latencySubs: number[];
  memorySubs: number[];
  channelSubs: number;
  /** every ramp step / fixed window, seconds */
  step: number;
  warmup: number;
  drain: number;
  rampFactor: number;
  settleMs: number;
  httpSeconds: number;
  bytesSubs: number;
  bytesSeconds: number;
}

const FULL: Sizes = {
  fanoutSubs: [1000, 10000],
  latencySubs: [1000, 10000],
  memorySubs: [10000, 19000],
  channelSubs: 10000,
  step: 5,
  warmup: 2,
  drain: 10,
  rampFactor: 1.5,
  settleMs: 1500,
  httpSeconds: 10,
  bytesSubs: 20,
  bytesSeconds: 10,
};

const QUICK: Sizes = {
  fanoutSubs: [1000],
  latencySubs: [1000],
  memorySubs: [1000],
  channelSubs: 1000,
  step: 1,
  warmup: 0.5,
  drain: 3,
  rampFactor: 2,
  settleMs: 300,
  httpSeconds: 2,
  bytesSubs: 10,
  bytesSeconds: 2,
};

export function presets(base: BenchOptions): Case[] {
  const z = base.quick ? QUICK : FULL;
  /** The preset's values, except where the command line said otherwise. */
  const with_ = (preset: Partial<BenchOptions>): BenchOptions => {
    const given = Object.fromEntries(base.explicit.map((key) => [key, base[key]]));
    return { ...base, settleMs: z.settleMs, drain: z.drain, ...preset, ...given };
  };
  const quickPeers = (key: string, all: PeerName[]): PeerName[] => (base.quick ? (QUICK_PEERS[key] ?? all) : all);
  const cases: Case[] = [];
  for (const n of z.fanoutSubs) {
    for (const t of ['ws', 'sse'] as const) {
      cases.push({
        id: `A ${t} ${k(n)}`,
        letter: 'A',
        title: `fan-out: ${n.toLocaleString('en')} ${t.toUpperCase()} subscribers on one channel, rate ramped`,
        scenario: 'fanout',
        peers: quickPeers(`A ${t}`, DELIVERY),
        opts: with_({
          transports: [t],
          subs: n,
          // Start near 5k (quick: 20k) deliveries/s; stop past what the corked floor delivers on one
          // core (~1.5M/s, docs/performance.md "Fan-out: what bounds it"). Every step is single POSTs from 16 keep-alive connections.
          rate: Math.max(1, (base.quick ? 20_000 : 5_000) / n),
          maxRate: 2_400_000 / n,
          maxPostsPerSec: SINGLE_POSTS,
          publishConns: PUBLISH_CONNS,
          rampFactor: z.rampFactor,
          duration: z.step,
          warmup: z.warmup,
        }),
      });
    }
  }
  for (const n of z.latencySubs) {
    cases.push({
      id: `B ws ${k(n)}`,
      letter: 'B',
      title: `latency: ${n.toLocaleString('en')} WS subscribers × 10 msg/s`,
      scenario: 'latency',
      peers: quickPeers('B', LATENCY),
      opts: with_({ transports: ['ws'], subs: n, rate: 10, duration: base.quick ? 3 : 10, warmup: z.warmup * 2 }),
    });
  }
  for (const n of z.memorySubs) {
    cases.push({
      id: `C idle ${k(n)}`,
      letter: 'C',
      title: `memory: ${n.toLocaleString('en')} idle connections per transport`,
      scenario: 'memory',
      peers: IDLE,
      opts: with_({ transports: ['ws', 'sse', 'ndjson', 'longpoll'], subs: n }),
    });
  }
  cases.push({
    id: `D channels ${k(z.channelSubs)}`,
    letter: 'D',
    title: `many channels: ${z.channelSubs.toLocaleString('en')} WS subscribers, each on its own channel, one POST per message to a random one`,
    scenario: 'channels',
    peers: quickPeers('D channels', DELIVERY),
    opts: with_({
      transports: ['ws'],
      subs: z.channelSubs,
      rate: base.quick ? 2000 : 1000,
      maxRate: base.quick ? 16_000 : 128_000,
      // One POST per message: what must get no 429 under the default limits.
      maxPostsPerSec: SINGLE_POSTS,
      publishConns: PUBLISH_CONNS,
      rampFactor: 2,
      duration: z.step,
      warmup: z.warmup,
    }),
  });
  cases.push({
    id: 'D ingest',
    letter: 'D',
    title: 'messages accepted per second, no subscribers',
    scenario: 'ingest',
    peers: HTTP,
    opts: with_({ duration: z.httpSeconds }),
  });
  cases.push({
    id: 'E polling',
    letter: 'E',
    title: 'plain GET (200) and conditional GET (304) with wrk',
    scenario: 'polling',
    peers: HTTP,
    opts: with_({ duration: z.httpSeconds }),
  });
  cases.push({
    id: 'F bytes',
    letter: 'F',
    title: 'bytes on the wire per delivered message, per transport, at a low and a high rate',
    scenario: 'bytes',
    peers: quickPeers('F', IDLE),
    opts: with_({
      transports: ['poll', 'longpoll', 'sse', 'ndjson', 'ws', 'wsc'],
      subs: z.bytesSubs,
      rate: 1,
      maxRate: 200,
      duration: z.bytesSeconds,
      warmup: 0,
    }),
  });
  cases.push(...redisPresets(base, with_));
  return cases;
}
