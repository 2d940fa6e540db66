// Per-case result tables, printed as Markdown so they can go straight into BENCHMARKS.md; the
// suite summary (ratios, targets) is in report-summary.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Case } from '../suite/plan.ts';
import { kilo, latencyMs, num, pct, table } from './format.ts';
import type { Transport } from './ipc.ts';
import type { BenchOptions } from './options.ts';
import { bytesTable, exchangeTable, ratesTable } from './report-rates.ts';
import { retainedCell, summary } from './report-summary.ts';
import type { RunResult, WindowResult } from './results.ts';

function closes(w: WindowResult): string {
  const entries = Object.entries(w.closes);
  return entries.length === 0 ? '0' : entries.map(([k, v]) => `${v}×${k}`).join(', ');
}

const measuredRuns = (runs: readonly RunResult[]): RunResult[] => runs.filter((r) => r.skipped === undefined);

/**
 * CPU milliseconds one message's fan-out costs each side, at the window's average cost per delivery:
 * the hub's to write it to every subscriber, the load's to read it from every socket.
 */
export function fanOutMs(w: WindowResult): { hub: number; load: number } {
  const ms = (us: { user: number; system: number }): number => ((us.user + us.system) * w.perMessage) / 1000;
  return { hub: ms(w.serverUsPerDelivery), load: ms(w.loadUsPerDelivery) };
}

function fanOutCell(w: WindowResult): string {
  const { hub, load } = fanOutMs(w);
  return `${num(hub, 1)} / ${num(load, 1)}`;
}

/** Subscribers per message from which one message's fan-out alone takes the load core tens of ms. */
const LARGE_FAN_OUT = 1000;

/**
 * At a light load neither core is busy on average, yet each message is a burst: its p99 is at least
 * the time the slower side takes over one fan-out. Said when that side is the load generator.
 */
export function loadBoundFanOut(w: WindowResult): string | undefined {
  if (w.bound !== 'neither' || w.perMessage < LARGE_FAN_OUT) return undefined;
  const { hub, load } = fanOutMs(w);
  if (!(load >= hub)) return undefined;
  return `reading one message's fan-out takes the load core ~${num(load, 0)} ms of CPU, writing it the hub's ~${num(hub, 0)} ms: the p99 here is bounded by the load generator`;
}

export function deliveryTable(runs: readonly RunResult[]): string {
  const rows = measuredRuns(runs).flatMap((r) =>
    r.windows.map((w) => [
      r.peer,
      String(r.repetition),
      String(w.subscribers),
      `${kilo(w.rate)}${w.batch > 1 ? ` (batch ${w.batch})` : ''}`,
      `${kilo(w.published.accepted)}/${kilo(w.published.sent)}`,
      kilo(w.deliveredPerSec),
      pct(w.deliveryRatio),
      latencyMs(w.latency.p50Ms),
      latencyMs(w.latency.p99Ms),
      latencyMs(w.latency.maxMs),
      num(w.publishRtt.p99Ms, 1),
      closes(w),
      `${w.net.backlogDrops} / ${w.net.retransmits}`,
      w.bound,
    ]),
  );
  const header = ['peer', 'rep', 'subs', 'msg/s offered', 'published', 'delivered/s', 'delivered', 'p50 ms'];
  header.push('p99 ms', 'max ms', 'POST p99 ms', 'dropped conns', 'lo drops / retrans', 'CPU-bound');
  return table(header, rows);
}

export function resourceTable(runs: readonly RunResult[]): string {
  const rows = measuredRuns(runs).flatMap((r) =>
    r.windows.map((w) => [
      r.peer,
      String(r.repetition),
      kilo(w.rate),
      `${pct(w.cpu.server.share)} (${pct(w.cpu.server.user / w.cpu.wallSeconds)} user)`,
      pct(w.cpu.load.share),
      `${num(w.serverUsPerDelivery.user, 2)} / ${num(w.serverUsPerDelivery.system, 2)}`,
      num(w.serverWritesPerDelivery ?? Number.NaN, 3),
      `${num(w.loadUsPerDelivery.user, 2)} / ${num(w.loadUsPerDelivery.system, 2)}`,
      fanOutCell(w),
      pct(w.stealShare),
      num(w.othersCores, 2),
    ]),
  );
  const header = ['peer', 'rep', 'msg/s', 'hub CPU', 'load CPU', 'hub µs/delivery user / sys', 'hub writes/delivery'];
  header.push('load µs/delivery user / sys', 'CPU ms per message, hub / load', 'steal', 'other procs (cores)');
  return table(header, rows);
}

/** KB per connection per transport; for Herald also the V8 heap's part of it. */
export function memoryTable(runs: readonly RunResult[]): string {
  const measured = measuredRuns(runs);
  const transports = [...new Set(measured.flatMap((r) => r.memory.transports.map((m) => m.transport)))];
  const rows = measured.map((r) => {
    const cell = (t: Transport): string => {
      const m = r.memory.transports.find((x) => x.transport === t);
      if (!m) return '-';
      const heap =
        m.heapDeltaBytes === undefined || m.connections === 0
          ? ''
          : `, heap ${num(m.heapDeltaBytes / 1024 / m.connections, 1)} = ${pct(m.heapDeltaBytes / m.rssDeltaBytes)}`;
      const marginal = m.marginalKbPerConnection === undefined ? '' : `; 2nd half ${num(m.marginalKbPerConnection, 1)}`;
      return `${num(m.kbPerConnection, 1)} (${m.connections}${heap}${marginal})`;
    };
    const retained = (t: Transport): string => {
      const m = r.memory.transports.find((x) => x.transport === t);
      return m ? retainedCell(m) : '-';
    };
    return [
      r.peer,
      String(r.repetition),
      num(r.memory.baselineRssBytes / 1048576, 1),
      ...transports.map(cell),
      ...transports.map(retained),
    ];
  });
  return table(
    [
      'peer',
      'rep',
      'hub RSS idle MB',
      ...transports.map((t) => `KB per ${t} (conns, heap KB = share; 2nd half KB)`),
      ...transports.map((t) => `retained KB per ${t} after full GC (2nd half; heap KB)`),
    ],
    rows,
  );
}

export function caseReport(c: Case, runs: readonly RunResult[]): string {
  const own = runs.filter((r) => r.caseId === c.id);
  const out: string[] = [`\n## ${c.id} — ${c.title}\n`];
  const o = c.opts;
  if (['latency', 'fanout', 'channels', 'bytes'].includes(c.scenario)) {
    out.push(`${o.size} B messages, ${o.duration} s per window, warm-up ${o.warmup} s\n`);
    out.push(deliveryTable(own), '', resourceTable(own), '');
  }
  if (c.scenario === 'bytes') out.push(bytesTable(own), '');
  if (c.scenario === 'ingest' || c.scenario === 'polling') {
    out.push(`wrk: 1 thread, ${o.httpConns} connections, ${o.duration} s per row\n`, ratesTable(own), '');
  }
  if (c.scenario === 'polling') out.push(exchangeTable(own), '');
  // A handful of subscribers (bytes) says nothing about memory per connection.
  if (c.scenario !== 'bytes' && own.some((r) => r.memory.transports.length > 0)) out.push(memoryTable(own), '');
  if (c.scenario === 'bytes')
    out.push('Latency columns mix every transport (poll subscribers wait up to one interval).\n');
  for (const r of own) {
    const who = `${r.peer} rep ${r.repetition}`;
    if (r.skipped) out.push(`skipped (${who}): ${r.skipped}`);
    for (const note of r.notes) out.push(`note (${who}): ${note}`);
    for (const w of r.windows) {
      const at = `${who}, ${kilo(w.rate)}/s`;
      for (const e of w.published.errors) out.push(`publish error (${at}): ${e}`);
      if (w.net.backlogDrops > 0)
        out.push(`kernel (${at}): ${w.net.backlogDrops} packets dropped by the loopback backlog (200 ms RTO each)`);
      if (w.published.unanswered > 0)
        out.push(
          `POSTs unanswered (${at}): ${w.published.unanswered} messages had no answer ${o.drain} s after publishing`,
        );
      if (w.stale > 0) out.push(`backlog (${at}): ${w.stale} deliveries of earlier windows' messages, not counted`);
      if (w.published.skipped > 0) out.push(`publisher fell behind (${at}): ${w.published.skipped} messages not sent`);
      const loadBound = loadBoundFanOut(w);
      if (loadBound !== undefined) out.push(`load generator (${at}): ${loadBound}`);
    }
    for (const rate of r.rates) if (rate.errors) out.push(`errors (${who}, ${rate.name}): ${rate.errors}`);
    if (r.hubCrashed) out.push(`HUB CRASHED during ${who}`);
  }
  return out.join('\n');
}

/** Prints every case's tables (and the suite summary); returns the whole report as Markdown. */
export function printReport(
  opts: BenchOptions,
  plan: readonly Case[],
  runs: readonly RunResult[],
  seconds: number,
  provenance: string,
): string {
  const out: string[] = plan.map((c) => caseReport(c, runs));
  if (opts.suite.length > 0) out.push(summary(plan, runs));
  out.push(
    '',
    opts.pin
      ? `hub pinned to CPU ${opts.serverCpus}, load + orchestrator to CPU ${opts.loadCpus} (taskset). CPU-bound = a side used >= 85% of a core.`
      : 'not pinned (--no-pin). CPU-bound = a side used >= 85% of a core.',
    `Herald ran with its per-address and per-socket limits lifted and its publish rate limits at their defaults (bench/lib/hub-command.ts). Whole run: ${Math.round(seconds)} s.`,
    `${provenance}.`,
  );
  const text = out.join('\n');
  console.log(text);
  return text;
}

export function writeJson(
  file: string,
  opts: BenchOptions,
  plan: readonly Case[],
  runs: readonly RunResult[],
  machine: Record<string, string>,
  markdown: string,
  seconds: number,
): void {
  mkdirSync(dirname(file), { recursive: true });
  const cases = plan.map((c) => ({ id: c.id, title: c.title, scenario: c.scenario, peers: c.peers, options: c.opts }));
  const body = { date: new Date().toISOString(), seconds, machine, options: opts, cases, runs };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  writeFileSync(file.replace(/\.json$/, '.md'), `${markdown}\n`);
  console.log(`\nJSON written to ${file} (tables: ${file.replace(/\.json$/, '.md')})`);
}
