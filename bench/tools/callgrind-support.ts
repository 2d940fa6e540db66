// What the callgrind tools (poll-, publish- and fanout-callgrind.ts) share: waiting for a hub that
// valgrind starts slowly, and reading the instruction totals of its dump files.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { healthy } from '../lib/hub.ts';

export { freePort } from '../lib/hub.ts';

/** Resolves once the hub answers /healthz; node under valgrind takes tens of seconds to get there. */
export async function waitHealthy(origin: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`hub exited (${child.exitCode}) while starting`);
    if (await healthy(origin)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`hub not healthy after ${Math.round(timeoutMs / 1000)} s`);
}

/**
 * The instructions a callgrind dump file counted: its `totals:` line (with instrumentation switched on
 * late, the `summary:` line in the header can say 0), else its `summary:` line.
 */
export function dumpTotal(file: string): number {
  const text = readFileSync(file, 'utf8');
  const total = (/^totals: (\d+)/m.exec(text) ?? /^summary: (\d+)/m.exec(text))?.[1];
  if (total === undefined) throw new Error(`no totals in the callgrind dump ${file}`);
  return Number(total);
}

/**
 * Main-thread and all-thread totals of the dumps written with `--separate-threads=yes` (one file per
 * thread, the main thread's ending in -01), among `files` (paths).
 */
export function threadTotals(files: readonly string[]): { main: number; all: number } {
  const counts = { main: 0, all: 0 };
  for (const file of files) {
    const n = dumpTotal(file);
    counts.all += n;
    if (file.endsWith('-01')) counts.main += n;
  }
  return counts;
}

/**
 * The main thread's totals of each event of a dump made with `--cache-sim=yes` (Ir, Dr, Dw, D1mr,
 * DLmr, ...: callgrind's `events:` line names them), among `files` (paths, as for threadTotals).
 */
export function mainThreadEvents(files: readonly string[]): Record<string, number> {
  const file = files.find((f) => f.endsWith('-01'));
  if (file === undefined) throw new Error('no main-thread callgrind dump');
  const text = readFileSync(file, 'utf8');
  const names = /^events: (.+)$/m.exec(text)?.[1]?.trim().split(/\s+/);
  const values = (/^totals: (.+)$/m.exec(text) ?? /^summary: (.+)$/m.exec(text))?.[1]?.trim().split(/\s+/);
  if (names === undefined || values === undefined) throw new Error(`no events or totals in the callgrind dump ${file}`);
  return Object.fromEntries(names.map((name, i) => [name, Number(values[i] ?? 0)]));
}
