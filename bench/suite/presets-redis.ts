// Scenario R (docs/performance.md, "Scenario R"): Herald on Redis and on NATS JetStream against
// Herald in memory, and two workers against one process, on the delivery and ingest scenarios. Every run of a Redis peer gets a key
// prefix of its own (bench/lib/hub.ts), so repetitions and peers never see each other's channels.
import type { BenchOptions, PeerName } from '../lib/options.ts';
import type { Case } from './plan.ts';

/** Memory engine (the reference), one process on Redis, two workers on Redis, one process on NATS. */
const REDIS_PEERS: PeerName[] = ['herald', 'herald-redis', 'herald-redis-w2', 'herald-nats'];

interface RedisSizes {
  /** publishing per latency window and per ingest row, s */
  seconds: number;
  warmup: number;
  /** fan-out ramp: first rate (msg/s), factor, step length (s) */
  rampFrom: number;
  rampFactor: number;
  step: number;
}

const FULL: RedisSizes = { seconds: 10, warmup: 4, rampFrom: 5, rampFactor: 1.5, step: 5 };
const QUICK: RedisSizes = { seconds: 3, warmup: 1, rampFrom: 20, rampFactor: 2, step: 1 };

/** One fan-out subscriber count: 1,000 WebSockets, as in A ws 1k. */
const FANOUT_SUBS = 1000;

/** R's cases; `with_` applies a preset under the command line's own options. */
export function redisPresets(base: BenchOptions, with_: (preset: Partial<BenchOptions>) => BenchOptions): Case[] {
  const z = base.quick ? QUICK : FULL;
  const latency = (subs: number, rate: number, why: string): Case => ({
    id: `R latency ${subs >= 1000 ? `${subs / 1000}k` : subs}`,
    letter: 'R',
    title: `publish→delivery through the engine: ${subs.toLocaleString('en')} WS subscribers × ${rate} msg/s (${why})`,
    scenario: 'latency',
    peers: REDIS_PEERS,
    opts: with_({ transports: ['ws'], subs, rate, duration: z.seconds, warmup: z.warmup }),
  });
  return [
    latency(100, 20, 'light: the engine hop dominates'),
    latency(1000, 10, "B 1k's load"),
    {
      id: 'R fanout ws 1k',
      letter: 'R',
      title: `fan-out on the engine: ${FANOUT_SUBS.toLocaleString('en')} WS subscribers on one channel, rate ramped`,
      scenario: 'fanout',
      peers: REDIS_PEERS,
      opts: with_({
        transports: ['ws'],
        subs: FANOUT_SUBS,
        rate: z.rampFrom,
        // Past A's top step (400): the ramp should end by itself, not at the table's edge.
        maxRate: 800_000 / FANOUT_SUBS,
        rampFactor: z.rampFactor,
        duration: z.step,
        warmup: base.quick ? 0.5 : 2,
      }),
    },
    {
      id: 'R ingest',
      letter: 'R',
      title: 'messages accepted per second through the engine, no subscribers',
      scenario: 'ingest',
      peers: REDIS_PEERS,
      opts: with_({ duration: base.quick ? 2 : z.seconds }),
    },
  ];
}
