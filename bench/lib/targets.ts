// The targets recorded in BENCHMARKS.md (and scenario R's, bench/lib/targets-redis.ts), checked on Herald's results
// of every repetition. A target whose case was not run (e.g. 10k in --quick) says so instead of passing.
import type { Case } from '../suite/plan.ts';
import { num, table } from './format.ts';
import type { Transport } from './ipc.ts';
import type { PeerName } from './options.ts';
import type { RunResult } from './results.ts';
import { headline, kbPer, retainedKbPer } from './select.ts';
import { redisChecks } from './targets-redis.ts';

export interface Check {
  target: string;
  /** one value per repetition of Herald, NaN when the peer it is compared with is missing */
  values: number[];
  ok: (v: number) => boolean;
  unit: string;
  digits: number;
}

function heraldRuns(runs: readonly RunResult[], caseId: string): RunResult[] {
  const peers: PeerName[] = ['herald', 'herald-lib'];
  return runs.filter((r) => r.caseId === caseId && peers.includes(r.peer) && r.skipped === undefined);
}

function peerRun(runs: readonly RunResult[], caseId: string, rep: number, peer: PeerName): RunResult | undefined {
  return runs.find((r) => r.caseId === caseId && r.repetition === rep && r.peer === peer && r.skipped === undefined);
}

const rate = (r: RunResult | undefined, name: string): number =>
  r?.rates.find((x) => x.name.startsWith(name))?.messagesPerSec ?? Number.NaN;
const reqs = (r: RunResult | undefined, name: string): number =>
  r?.rates.find((x) => x.name.startsWith(name))?.requestsPerSec ?? Number.NaN;

function overhead(r: RunResult, t: Transport): number {
  // The worse of the low and the high rate.
  const values = r.windows.map((w) => {
    const x = w.traffic[t];
    return x && x.received > 0 ? x.bytesIn / x.received - w.dataBytes : Number.NaN;
  });
  return values.some(Number.isNaN) || values.length === 0 ? Number.NaN : Math.max(...values);
}

function checks(plan: readonly Case[], runs: readonly RunResult[]): Check[] {
  const ids = new Set(plan.map((c) => c.id));
  const out: Check[] = [];
  const per = (caseId: string, f: (r: RunResult) => number): number[] =>
    ids.has(caseId) ? heraldRuns(runs, caseId).map(f) : [];
  const delivered = (r: RunResult | undefined): number => headline(r)?.deliveredPerSec ?? Number.NaN;
  // The fan-out targets, on each ramp's headline (best step with p99 < 100 ms, >= 99 % delivered).
  for (const n of ['1k', '10k']) {
    const id = `A ws ${n}`;
    if (n === '1k') {
      out.push({
        target: `A WS ${n}: headline ≥ 0.5× raw-ws-corked`,
        values: per(id, (r) => delivered(r) / delivered(peerRun(runs, id, r.repetition, 'raw-ws-corked'))),
        ok: (v) => v >= 0.5,
        unit: '×',
        digits: 2,
      });
    }
    for (const [peer, name] of [
      ['nchan', 'Nchan'],
      ['bun', 'Bun'],
    ] as const) {
      out.push({
        target: `A WS ${n}: headline ≥ ${name}'s`,
        values: per(id, (r) => delivered(r) / delivered(peerRun(runs, id, r.repetition, peer))),
        ok: (v) => v >= 1,
        unit: '×',
        digits: 2,
      });
    }
    out.push({
      target: `A SSE ${n} within 10% of WS ${n} (Herald headlines)`,
      values: per(`A sse ${n}`, (r) => delivered(r) / delivered(peerRun(runs, id, r.repetition, r.peer))),
      ok: (v) => v >= 0.9,
      unit: '×',
      digits: 2,
    });
  }
  out.push({
    target: 'B 10k × 10 msg/s: 100% delivered',
    values: per('B ws 10k', (r) => r.windows[0]?.deliveryRatio ?? Number.NaN),
    ok: (v) => v >= 0.9995,
    unit: '',
    digits: 4,
  });
  out.push({
    target: 'B 10k × 10 msg/s: p99 < 500 ms',
    values: per('B ws 10k', (r) => r.windows[0]?.latency.p99Ms ?? Number.NaN),
    ok: (v) => v < 500,
    unit: ' ms',
    digits: 1,
  });
  out.push({
    target: "B 10k × 10 msg/s: p99 ≤ Bun's",
    values: per('B ws 10k', (r) => {
      const bun = peerRun(runs, 'B ws 10k', r.repetition, 'bun')?.windows[0]?.latency.p99Ms ?? Number.NaN;
      return (r.windows[0]?.latency.p99Ms ?? Number.NaN) / bun;
    }),
    ok: (v) => v <= 1,
    unit: '×',
    digits: 2,
  });
  out.push({
    target: 'B 1k × 10 msg/s: p99 < 50 ms',
    values: per('B ws 1k', (r) => r.windows[0]?.latency.p99Ms ?? Number.NaN),
    ok: (v) => v < 50,
    unit: ' ms',
    digits: 1,
  });
  const memoryCases = plan.filter((c) => c.letter === 'C').map((c) => c.id);
  const limits: Array<[Transport, number]> = [
    ['ws', 6],
    ['sse', 7],
    ['ndjson', 7],
    ['longpoll', 6],
  ];
  for (const id of memoryCases) {
    for (const [t, kb] of limits) {
      out.push({
        target: `C ${id.slice(7)} idle ${t} ≤ ${kb} KB`,
        values: per(id, (r) => kbPer(r, t) ?? Number.NaN),
        ok: (v) => v <= kb,
        unit: ' KB',
        digits: 1,
      });
    }
    // Issue 16: what an idle connection retains once garbage and the burst's young generation are gone.
    for (const [t, kb] of RETAINED_LIMITS) {
      out.push({
        target: `C ${id.slice(7)} idle ${t} retained ≤ ${kb} KB`,
        values: per(id, (r) => retainedKbPer(r, t) ?? Number.NaN),
        ok: (v) => v <= kb,
        unit: ' KB',
        digits: 2,
      });
    }
  }
  const channels = plan.find((c) => c.scenario === 'channels')?.id;
  if (channels !== undefined) {
    out.push({
      target: 'D many channels: headline ≥ 0.9× the strongest ws floor',
      values: per(channels, (r) => {
        const floors = (['raw-ws-corked', 'raw-ws-per-frame'] as const).map((p) =>
          delivered(peerRun(runs, channels, r.repetition, p)),
        );
        return delivered(r) / Math.max(...floors.filter((v) => !Number.isNaN(v)));
      }),
      ok: (v) => v >= 0.9,
      unit: '×',
      digits: 2,
    });
    out.push({
      target: 'D many channels: no publish refused (429) under the default publish limits',
      values: per(channels, (r) => r.windows.reduce((a, w) => a + w.published.failed, 0)),
      ok: (v) => v === 0,
      unit: '',
      digits: 0,
    });
  }
  out.push({
    target: 'D single POST ≥ 0.9× node:http floor',
    values: per(
      'D ingest',
      (r) => reqs(r, 'single') / reqs(peerRun(runs, 'D ingest', r.repetition, 'http-floor'), 'single'),
    ),
    ok: (v) => v >= 0.9,
    unit: '×',
    digits: 2,
  });
  for (const kind of ['batch', 'WS publish']) {
    out.push({
      target: `D ${kind} ≥ 50k msg/s`,
      values: per('D ingest', (r) => rate(r, kind)),
      ok: (v) => v >= 50_000,
      unit: ' msg/s',
      digits: 0,
    });
  }
  out.push({
    target: 'E conditional GET (304) ≥ 0.9× node:http floor',
    values: per(
      'E polling',
      (r) => reqs(r, 'GET 304') / reqs(peerRun(runs, 'E polling', r.repetition, 'http-floor'), 'GET 304'),
    ),
    ok: (v) => v >= 0.9,
    unit: '×',
    digits: 2,
  });
  out.push({
    // The hub controls its answer; the request's size is the client's (wrk's is minimal, a browser's is not).
    target: 'E a 304 answer ≤ 200 B on the wire',
    values: per('E polling', (r) => r.exchanges[0]?.responseBytes ?? Number.NaN),
    ok: (v) => v <= 200,
    unit: ' B',
    digits: 0,
  });
  for (const [t, name] of [
    ['sse', 'SSE'],
    ['ws', 'WS'],
    ['wsc', 'WS compact frames'],
  ] as const) {
    out.push({
      target: `F ${name} overhead ≤ 40 B/msg beyond the JSON data (worse of both rates)`,
      values: per('F bytes', (r) => overhead(r, t)),
      ok: (v) => v <= 40,
      unit: ' B',
      digits: 0,
    });
  }
  return out;
}

/** Issue 16's limits on scenario C's retained figures (KB per idle connection after a full GC). */
const RETAINED_LIMITS: Array<[Transport, number]> = [
  ['ws', 5],
  ['sse', 4],
];

export function targetsTable(plan: readonly Case[], runs: readonly RunResult[]): string {
  // Each issue's targets when the plan ran any of its scenarios.
  const all = [
    ...(plan.some((c) => c.letter !== 'R') ? checks(plan, runs) : []),
    ...(plan.some((c) => c.letter === 'R') ? redisChecks(plan, runs) : []),
  ];
  const rows = all.map((c) => {
    if (c.values.length === 0) return [c.target, 'not run', '-'];
    const shown = c.values.map((v) => (Number.isNaN(v) ? 'n/a' : `${num(v, c.digits)}${c.unit}`)).join(', ');
    const known = c.values.filter((v) => !Number.isNaN(v));
    const passed = known.filter(c.ok).length;
    const met = known.length === 0 ? 'n/a' : passed === known.length ? 'met' : passed === 0 ? 'NOT met' : 'partly';
    return [c.target, shown, met];
  });
  return table(['target', 'Herald (each repetition)', 'status'], rows);
}
