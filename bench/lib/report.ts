// Result tables, printed as Markdown so they can go straight into BENCHMARKS.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchOptions } from './options.ts';
import type { RunResult, WindowResult } from './results.ts';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const num = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const pct = (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : '-');
const kilo = (n: number): string => (n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : num(n));

function closes(w: WindowResult): string {
  const entries = Object.entries(w.closes);
  return entries.length === 0 ? '0' : entries.map(([k, v]) => `${v}×${k}`).join(', ');
}

export function deliveryTable(runs: readonly RunResult[]): string {
  const rows = runs.flatMap((r) =>
    r.windows.map((w) => [
      r.peer,
      String(r.repetition),
      String(w.subscribers),
      `${kilo(w.rate)}${w.batch > 1 ? ` (batch ${w.batch})` : ''}`,
      `${kilo(w.published.accepted)}/${kilo(w.published.sent)}`,
      kilo(w.deliveredPerSec),
      pct(w.deliveryRatio),
      num(w.latency.p50Ms, 1),
      num(w.latency.p99Ms, 1),
      num(w.latency.maxMs, 1),
      num(w.publishRtt.p99Ms, 1),
      closes(w),
      `${w.net.backlogDrops} / ${w.net.retransmits}`,
      w.bound,
    ]),
  );
  return table(
    [
      'peer',
      'rep',
      'subs',
      'msg/s offered',
      'published',
      'delivered/s',
      'delivered',
      'p50 ms',
      'p99 ms',
      'max ms',
      'POST p99 ms',
      'dropped conns',
      'lo drops / retrans',
      'CPU-bound',
    ],
    rows,
  );
}

export function resourceTable(runs: readonly RunResult[]): string {
  const rows = runs.flatMap((r) =>
    r.windows.map((w) => [
      r.peer,
      String(r.repetition),
      kilo(w.rate),
      `${pct(w.cpu.server.share)} (${pct(w.cpu.server.user / w.cpu.wallSeconds)} user)`,
      pct(w.cpu.load.share),
      `${num(w.serverUsPerDelivery.user, 2)} / ${num(w.serverUsPerDelivery.system, 2)}`,
      `${num(w.loadUsPerDelivery.user, 2)} / ${num(w.loadUsPerDelivery.system, 2)}`,
      pct(w.stealShare),
      num(w.othersCores, 2),
    ]),
  );
  const header = [
    'peer',
    'rep',
    'msg/s',
    'hub CPU',
    'load CPU',
    'hub µs/delivery user / sys',
    'load µs/delivery user / sys',
    'steal',
    'other procs (cores)',
  ];
  return table(header, rows);
}

export function memoryTable(runs: readonly RunResult[]): string {
  const rows = runs.map((r) => {
    const t = (name: string): string => {
      const m = r.memory.transports.find((x) => x.transport === name);
      return m ? `${num(m.kbPerConnection, 1)} (${m.connections})` : '-';
    };
    const total = r.memory.transports.reduce((a, m) => a + m.rssDeltaBytes, r.memory.baselineRssBytes);
    return [
      r.peer,
      String(r.repetition),
      num(r.memory.baselineRssBytes / 1048576, 1),
      num(total / 1048576, 1),
      t('ws'),
      t('sse'),
    ];
  });
  const header = ['peer', 'rep', 'hub RSS idle MB', 'hub RSS connected MB', 'KB per WS (conns)', 'KB per SSE (conns)'];
  return table(header, rows);
}

export function fanoutSummary(runs: readonly RunResult[]): string {
  const rows = runs.map((r) => {
    const best = r.windows.reduce<WindowResult | undefined>(
      (b, w) => (!b || w.deliveredPerSec > b.deliveredPerSec ? w : b),
      undefined,
    );
    const under100 = r.windows
      .filter((w) => w.latency.p99Ms < 100 && w.deliveryRatio >= 0.95)
      .reduce<WindowResult | undefined>((b, w) => (!b || w.deliveredPerSec > b.deliveredPerSec ? w : b), undefined);
    return [
      r.peer,
      String(r.repetition),
      best ? `${kilo(best.deliveredPerSec)} (at ${kilo(best.rate)} msg/s, ${best.bound})` : '-',
      under100 ? `${kilo(under100.deliveredPerSec)} (at ${kilo(under100.rate)} msg/s)` : '-',
    ];
  });
  return table(['peer', 'rep', 'max delivered/s', 'best with p99 < 100 ms'], rows);
}

export function printReport(opts: BenchOptions, runs: readonly RunResult[]): void {
  const out: string[] = [];
  out.push(
    `\n## ${opts.scenario}: ${opts.transports.map((t) => `${opts.subs} ${t}`).join(' + ')} subscribers, ${opts.size} B messages\n`,
  );
  if (opts.scenario !== 'memory') out.push(deliveryTable(runs), '');
  if (opts.scenario === 'fanout') out.push(fanoutSummary(runs), '');
  if (opts.scenario !== 'memory') out.push(resourceTable(runs), '');
  out.push(memoryTable(runs), '');
  out.push(
    opts.pin
      ? `hub pinned to CPU ${opts.serverCpus}, load + orchestrator to CPU ${opts.loadCpus} (taskset). CPU-bound = a side used >= 85% of a core.`
      : 'not pinned (--no-pin). CPU-bound = a side used >= 85% of a core.',
  );
  for (const r of runs) {
    for (const note of r.notes) out.push(`note (${r.peer} rep ${r.repetition}): ${note}`);
    for (const w of r.windows) {
      for (const e of w.published.errors) out.push(`publish error (${r.peer} rep ${r.repetition}): ${e}`);
      if (w.net.backlogDrops > 0)
        out.push(
          `kernel (${r.peer} rep ${r.repetition}, ${w.rate}/s): ${w.net.backlogDrops} packets dropped by the loopback backlog: their messages waited >= 200 ms (TCP retransmission timeout); see docs/performance.md`,
        );
      if (w.published.unanswered > 0)
        out.push(
          `POSTs unanswered (${r.peer} rep ${r.repetition}, ${w.rate}/s): ${w.published.unanswered} messages had no answer ${opts.drain} s after publishing ended`,
        );
      if (w.stale > 0)
        out.push(
          `backlog (${r.peer} rep ${r.repetition}, ${w.rate}/s): ${w.stale} deliveries of earlier messages (warm-up / previous step) arrived during this window, not counted`,
        );
      if (w.published.skipped > 0)
        out.push(
          `publisher fell behind (${r.peer} rep ${r.repetition}, ${w.rate}/s): ${w.published.skipped} messages not sent`,
        );
    }
    if (r.hubCrashed) out.push(`HUB CRASHED during ${r.peer} rep ${r.repetition}`);
  }
  console.log(out.join('\n'));
}

export function writeJson(
  file: string,
  opts: BenchOptions,
  runs: readonly RunResult[],
  machine: Record<string, string>,
): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, options: opts, runs }, null, 2)}\n`);
  console.log(`\nJSON written to ${file}`);
}
