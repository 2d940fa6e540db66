// The summary of scenario R (docs/performance.md, "Scenario R"): Herald on Redis and on NATS against Herald in memory, and
// two workers against one process, each compared within the same case and repetition. The engine
// server's CPU is shown beside the hub's (it is shared with its other users: see EngineCpu).
import type { Case } from '../suite/plan.ts';
import { kilo, num, pct, ratio, table } from './format.ts';
import type { PeerName } from './options.ts';
import type { EngineCpu, RunResult } from './results.ts';
import { headline, maxStep, measured, same } from './select.ts';

/** The peer each one is compared with: Redis with memory, two workers with one process on Redis. */
const BASELINE: Partial<Record<PeerName, PeerName>> = { 'herald-redis-w2': 'herald-redis' };

function engineCell(e: EngineCpu | undefined): string {
  return e === undefined ? '-' : `${num(e.usPerMessage, 1)} (${pct(e.share)})`;
}

const signed = (n: number): string => (Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(1)}` : '-');

function cases(plan: readonly Case[], scenario: string): Case[] {
  return plan.filter((c) => c.letter === 'R' && c.scenario === scenario);
}

function latencyTable(plan: readonly Case[], runs: readonly RunResult[]): string {
  const rows = cases(plan, 'latency').flatMap((c) =>
    measured(runs, c.id).map((r) => {
      const w = r.windows[0];
      const memory = same(runs, r, 'herald')?.windows[0];
      const delta =
        r.peer === 'herald' || !w || !memory
          ? '-'
          : `${signed(w.latency.p50Ms - memory.latency.p50Ms)} / ${signed(w.latency.p99Ms - memory.latency.p99Ms)}`;
      return [
        c.id,
        r.peer,
        String(r.repetition),
        w ? pct(w.deliveryRatio) : '-',
        num(w?.latency.p50Ms ?? Number.NaN, 1),
        num(w?.latency.p99Ms ?? Number.NaN, 1),
        num(w?.latency.maxMs ?? Number.NaN, 1),
        delta,
        w ? `${num(w.publishRtt.p50Ms, 2)} / ${num(w.publishRtt.p99Ms, 2)}` : '-',
        w ? `${num(w.serverUsPerDelivery.user, 2)} / ${num(w.serverUsPerDelivery.system, 2)}` : '-',
        engineCell(w?.engine),
        w ? num(w.othersCores, 2) : '-',
        w?.bound ?? '-',
      ];
    }),
  );
  const header = ['case', 'peer', 'rep', 'delivered', 'p50 ms', 'p99 ms', 'max ms', 'p50 / p99 vs memory (ms)'];
  header.push('POST p50 / p99 ms', 'hub µs/delivery user / sys', 'engine µs/msg (CPU)', 'other procs', 'CPU-bound');
  return table(header, rows);
}

/** CPU per delivery (user + sys, µs) of a run's step at `rate`. */
function usAt(r: RunResult | undefined, rate: number): number {
  const w = r?.windows.find((x) => x.rate === rate);
  return w ? w.serverUsPerDelivery.user + w.serverUsPerDelivery.system : Number.NaN;
}

/**
 * The highest ramp step every peer of the repetition completed with 95 % delivered: the hubs' CPU per
 * delivery there is compared at the same load, which a busy machine disturbs less than the ramp's end.
 */
function commonStep(runs: readonly RunResult[], r: RunResult): number | undefined {
  const peers = runs.filter((x) => x.caseId === r.caseId && x.repetition === r.repetition && x.skipped === undefined);
  const rates = (x: RunResult): number[] => x.windows.filter((w) => w.deliveryRatio >= 0.95).map((w) => w.rate);
  const shared = rates(r).filter((rate) => peers.every((x) => rates(x).includes(rate)));
  return shared.length > 0 ? Math.max(...shared) : undefined;
}

function fanoutTable(plan: readonly Case[], runs: readonly RunResult[]): string {
  const rows = cases(plan, 'fanout').flatMap((c) =>
    measured(runs, c.id).map((r) => {
      const top = maxStep(r);
      const step = commonStep(runs, r);
      const us = step === undefined ? Number.NaN : usAt(r, step);
      const usMemory = step === undefined ? Number.NaN : usAt(same(runs, r, 'herald'), step);
      const good = headline(r);
      const base = BASELINE[r.peer];
      return [
        c.id,
        r.peer,
        String(r.repetition),
        top ? `${kilo(top.deliveredPerSec)} (${pct(top.deliveryRatio)} at ${kilo(top.rate)}/s)` : '-',
        r.peer === 'herald' ? '-' : ratio(top?.deliveredPerSec, maxStep(same(runs, r, 'herald'))?.deliveredPerSec),
        base ? ratio(top?.deliveredPerSec, maxStep(same(runs, r, base))?.deliveredPerSec) : '-',
        good ? `${kilo(good.deliveredPerSec)} (p99 ${num(good.latency.p99Ms, 1)} ms)` : '-',
        step === undefined
          ? '-'
          : `${num(us, 2)} at ${kilo(step)}/s${r.peer === 'herald' ? '' : ` (${ratio(us, usMemory)})`}`,
        top ? `${num(top.serverUsPerDelivery.user, 2)} / ${num(top.serverUsPerDelivery.system, 2)}` : '-',
        top ? `${num(top.cpu.server.share, 2)} / ${num(top.cpu.load.share, 2)}` : '-',
        engineCell(top?.engine),
        top ? num(top.othersCores, 2) : '-',
        top?.bound ?? '-',
      ];
    }),
  );
  const header = [
    'case',
    'peer',
    'rep',
    'max delivered/s',
    '× memory',
    '× 1 process',
    'best step, p99 < 100 ms, ≥ 99 % delivered',
  ];
  header.push(
    'hub µs/delivery at a common step (× memory)',
    'hub µs/delivery user / sys (at max)',
    'hub / load cores',
    'engine µs/msg (CPU)',
    'other procs',
    'CPU-bound',
  );
  return table(header, rows);
}

function ingestTable(plan: readonly Case[], runs: readonly RunResult[]): string {
  const rows = cases(plan, 'ingest').flatMap((c) =>
    measured(runs, c.id).flatMap((r) =>
      r.rates.map((x) => {
        const other = (peer: PeerName): number | undefined =>
          same(runs, r, peer)?.rates.find((y) => y.name === x.name)?.messagesPerSec;
        const base = BASELINE[r.peer];
        const perMessage = x.requestsPerSec > 0 ? x.messagesPerSec / x.requestsPerSec : 1;
        return [
          r.peer,
          String(r.repetition),
          x.name,
          kilo(x.messagesPerSec),
          r.peer === 'herald' ? '-' : ratio(x.messagesPerSec, other('herald')),
          base ? ratio(x.messagesPerSec, other(base)) : '-',
          `${num(x.p50Ms, 2)} / ${num(x.p99Ms, 2)}`,
          `${num(x.serverUsPerRequest.user / perMessage, 1)} / ${num(x.serverUsPerRequest.system / perMessage, 1)}`,
          `${num(x.server.share, 2)} / ${num(x.load.share, 2)}`,
          engineCell(x.engine),
          num(x.othersCores, 2),
          x.bound,
        ];
      }),
    ),
  );
  const header = ['peer', 'rep', 'kind', 'msg/s', '× memory', '× 1 process', 'p50 / p99 ms', 'hub µs/msg user / sys'];
  header.push('hub / load cores', 'engine µs/msg (CPU)', 'other procs', 'CPU-bound');
  return table(header, rows);
}

export function redisSummary(plan: readonly Case[], runs: readonly RunResult[]): string {
  const out: string[] = [
    'herald = memory engine, one process; herald-redis = Redis engine, one process (both pinned to the server CPU);',
    'herald-redis-w2 = Redis engine, `--workers 2` (primary + 2 workers pinned to the server and the load CPUs:',
    'they share a core with the load). × memory: against herald, × 1 process: against herald-redis, same case',
    'and repetition. engine µs/msg: redis-server CPU per accepted message (its share of a core); other users of',
    'the Redis count too. herald-nats = NATS JetStream engine, one process (pinned like herald); its engine',
    'column is nats-server CPU per accepted message. hub / load cores: CPU used during publishing (1.00 = one core busy). other procs:',
    'cores used meanwhile by the rest of the machine (above ~0.2 the figures are disturbed).',
  ];
  if (cases(plan, 'latency').length > 0) out.push('\n### R latency\n', latencyTable(plan, runs));
  if (cases(plan, 'fanout').length > 0) out.push('\n### R fan-out\n', fanoutTable(plan, runs));
  if (cases(plan, 'ingest').length > 0) out.push('\n### R ingest\n', ingestTable(plan, runs));
  return out.join('\n');
}
