// The suite summary: one compact table per issue-6 scenario. Fan-out and many channels: each peer's
// headline (best step with p99 < 100 ms and >= 99 % delivered) with the hub's CPU per delivery and
// the load core's share, and Herald's ratio to the strongest baseline of the same case and
// repetition. Latency and memory: ratios to the ws floors; HTTP: to the node:http floor.
import type { Case } from '../suite/plan.ts';
import { kilo, latencyMs, num, pct, ratio, table } from './format.ts';
import type { Transport } from './ipc.ts';
import { redisSummary } from './report-redis.ts';
import type { RunResult, TransportMemory, WindowResult } from './results.ts';
import { headline, isBaseline, kbPer, maxStep, measured, retainedKbPer, same, strongest } from './select.ts';
import { targetsTable } from './targets.ts';
import { SATURATED } from './window.ts';

/** "412k (p99 31 ms, 99.9 %)": a step's rate with the latency and delivery it was reached with. */
function stepCell(w: WindowResult | undefined): string {
  return w ? `${kilo(w.deliveredPerSec)} (p99 ${num(w.latency.p99Ms, 1)} ms, ${pct(w.deliveryRatio)})` : '-';
}

/** "1.42 / 1.91 (0.125 writes)": server CPU per delivery, user / system µs, and write system calls. */
const cpuCell = (w: WindowResult | undefined): string =>
  w
    ? `${num(w.serverUsPerDelivery.user, 2)} / ${num(w.serverUsPerDelivery.system, 2)} (${num(w.serverWritesPerDelivery ?? Number.NaN, 3)} writes)`
    : '-';

/** The load generator's share of its core, flagged when it, not the hub, may have been the limit. */
const loadCell = (w: WindowResult | undefined): string =>
  w ? `${pct(w.cpu.load.share)}${w.cpu.load.share >= SATURATED ? ' LOAD-BOUND' : ''}` : '-';

function rampTable(plan: readonly Case[], runs: readonly RunResult[], letter: 'A' | 'D'): string {
  const scenario = letter === 'A' ? 'fanout' : 'channels';
  const rows = plan
    .filter((c) => c.letter === letter && c.scenario === scenario)
    .flatMap((c) =>
      measured(runs, c.id).map((r) => {
        const top = maxStep(r);
        const best = headline(r);
        const base = isBaseline(r.peer) ? undefined : strongest(runs, r);
        const refused = r.windows.reduce((a, w) => a + w.published.failed, 0);
        return [
          c.id,
          r.peer,
          String(r.repetition),
          stepCell(best),
          cpuCell(best),
          loadCell(best),
          base?.step ? `${ratio(best?.deliveredPerSec, base.step.deliveredPerSec)} ${base.run.peer}` : '-',
          stepCell(top),
          cpuCell(top),
          loadCell(top),
          String(refused),
        ];
      }),
    );
  const header = ['case', 'peer', 'rep', 'headline: best step p99 < 100 ms, ≥ 99 % delivered'];
  header.push('hub µs/delivery user / sys', 'load core', '× strongest baseline (same run)');
  header.push('max delivered/s', 'hub µs/delivery at max', 'load core at max', 'refused (429, errors)');
  return table(header, rows);
}

function latencyTable(plan: readonly Case[], runs: readonly RunResult[]): string {
  const rows = plan
    .filter((c) => c.letter === 'B')
    .flatMap((c) =>
      measured(runs, c.id).map((r) => {
        const w = r.windows[0];
        const floor = same(runs, r, 'raw-ws-corked')?.windows[0];
        return [
          c.id,
          r.peer,
          String(r.repetition),
          w ? pct(w.deliveryRatio) : '-',
          latencyMs(w?.latency.p50Ms ?? Number.NaN),
          latencyMs(w?.latency.p99Ms ?? Number.NaN),
          latencyMs(w?.latency.maxMs ?? Number.NaN),
          ratio(w?.latency.p99Ms, floor?.latency.p99Ms),
          w ? `${num(w.serverUsPerDelivery.user, 2)} / ${num(w.serverUsPerDelivery.system, 2)}` : '-',
          w?.bound ?? '-',
        ];
      }),
    );
  const header = ['case', 'peer', 'rep', 'delivered', 'p50 ms', 'p99 ms', 'max ms', 'p99 × raw-ws-corked'];
  header.push('hub µs/delivery user / sys', 'CPU-bound');
  return table(header, rows);
}

/** Scenario C's figures read after a full GC in the hub (Node hubs only): RSS, its 2nd half, heap. */
export function retainedCell(m: TransportMemory): string {
  if (m.retainedKbPerConnection === undefined) return '-';
  const second = m.retainedMarginalKbPerConnection;
  const heap = m.retainedHeapKbPerConnection;
  const parts = [
    second === undefined ? '' : `2nd half ${num(second, 1)}`,
    heap === undefined ? '' : `heap ${num(heap, 2)}`,
  ];
  const inner = parts.filter(Boolean).join('; ');
  return `${num(m.retainedKbPerConnection, 2)}${inner ? ` (${inner})` : ''}`;
}

const MEMORY_ORDER: Transport[] = ['ws', 'sse', 'ndjson', 'longpoll'];

function memorySummary(plan: readonly Case[], runs: readonly RunResult[]): string {
  const rows = plan
    .filter((c) => c.letter === 'C')
    .flatMap((c) =>
      measured(runs, c.id).map((r) => {
        const cells = MEMORY_ORDER.map((t) => {
          const m = r.memory.transports.find((x) => x.transport === t);
          if (!m) return '-';
          const heap = m.heapDeltaBytes === undefined ? '' : ` (heap ${pct(m.heapDeltaBytes / m.rssDeltaBytes)})`;
          const marginal =
            m.marginalKbPerConnection === undefined ? '' : `; 2nd half ${num(m.marginalKbPerConnection, 1)}`;
          return `${num(m.kbPerConnection, 1)}${heap}${marginal}`;
        });
        const retained = MEMORY_ORDER.map((t) => {
          const m = r.memory.transports.find((x) => x.transport === t);
          return m ? retainedCell(m) : '-';
        });
        return [
          c.id,
          r.peer,
          String(r.repetition),
          ...cells,
          ...retained,
          ratio(kbPer(r, 'ws'), kbPer(same(runs, r, 'raw-ws-per-frame'), 'ws')),
          ratio(retainedKbPer(r, 'ws'), retainedKbPer(same(runs, r, 'raw-ws-per-frame'), 'ws')),
          ratio(kbPer(r, 'ws'), kbPer(same(runs, r, 'socketio'), 'ws')),
        ];
      }),
    );
  const header = [
    'case',
    'peer',
    'rep',
    'KB/WS',
    'KB/SSE',
    'KB/NDJSON',
    'KB/long-poll',
    'retained KB/WS',
    'retained KB/SSE',
    'retained KB/NDJSON',
    'retained KB/long-poll',
    'WS × raw-ws-per-frame',
    'retained WS × raw-ws-per-frame',
    'WS × socketio',
  ];
  return table(header, rows);
}

function httpSummary(plan: readonly Case[], runs: readonly RunResult[], letter: 'D' | 'E'): string {
  const scenario = letter === 'D' ? 'ingest' : 'polling';
  const rows = plan
    .filter((c) => c.letter === letter && c.scenario === scenario)
    .flatMap((c) =>
      measured(runs, c.id).flatMap((r) =>
        r.rates.map((x) => {
          const floor = same(runs, r, 'http-floor')?.rates.find((f) => f.name === x.name);
          const wire = r.exchanges[0];
          return [
            c.id,
            r.peer,
            String(r.repetition),
            x.name,
            kilo(x.requestsPerSec),
            Number.isFinite(x.messagesPerSec) ? kilo(x.messagesPerSec) : '-',
            ratio(x.requestsPerSec, floor?.requestsPerSec),
            x.bound,
            letter === 'E' && wire ? `${wire.requestBytes} + ${wire.responseBytes} B` : '',
          ];
        }),
      ),
    );
  const header = ['case', 'peer', 'rep', 'kind', 'req/s', 'msg/s', '× node:http floor', 'CPU-bound'];
  header.push(letter === 'E' ? '304 on the wire (request + response)' : '');
  return table(header, rows);
}

function bytesSummary(plan: readonly Case[], runs: readonly RunResult[]): string {
  const rows = plan
    .filter((c) => c.letter === 'F')
    .flatMap((c) =>
      measured(runs, c.id).flatMap((r) => {
        const transports = [...new Set(r.windows.flatMap((w) => Object.keys(w.traffic) as Transport[]))];
        return transports.map((t) => {
          const cells = r.windows.flatMap((w) => {
            const x = w.traffic[t];
            if (!x || x.received === 0) return ['-', '-'];
            return [num((x.bytesIn + x.bytesOut) / x.received, 0), num(x.bytesIn / x.received - w.dataBytes, 0)];
          });
          return [r.peer, String(r.repetition), t, ...cells];
        });
      }),
    );
  const header = ['peer', 'rep', 'transport', 'low rate: B/msg (in+out)', 'low: overhead in B/msg'];
  header.push('high rate: B/msg (in+out)', 'high: overhead in B/msg');
  return table(header, rows);
}

export function summary(plan: readonly Case[], runs: readonly RunResult[]): string {
  const letters = new Set(plan.map((c) => c.letter));
  const out: string[] = ['\n# Summary (ratios within the same case and repetition)'];
  if (letters.has('A')) out.push('\n## A fan-out\n', rampTable(plan, runs, 'A'));
  if (letters.has('B')) out.push('\n## B latency at a fixed load\n', latencyTable(plan, runs));
  if (letters.has('C'))
    out.push(
      '\n## C memory per idle connection (hub RSS as it grew, Herald: heap share; retained: after a full GC)\n',
      memorySummary(plan, runs),
    );
  const d = plan.filter((c) => c.letter === 'D');
  if (d.some((c) => c.scenario === 'channels'))
    out.push('\n## D many channels (one subscriber each)\n', rampTable(plan, runs, 'D'));
  if (d.some((c) => c.scenario === 'ingest')) out.push('\n## D ingest\n', httpSummary(plan, runs, 'D'));
  if (letters.has('E')) out.push('\n## E polling\n', httpSummary(plan, runs, 'E'));
  if (letters.has('F')) out.push('\n## F bytes on the wire per delivered message\n', bytesSummary(plan, runs));
  if (letters.has('R')) out.push('\n## R Redis scale-out (issue 10)\n', redisSummary(plan, runs));
  out.push('\n## Targets (Herald, every repetition)\n', targetsTable(plan, runs));
  return out.join('\n');
}
