// Every process the bench starts goes through here, so that an error, a deadline or
// Ctrl-C can stop all of them: a leaked hub would skew the next run's numbers.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

const live = new Set<ChildProcess>();

export interface SpawnSpec {
  command: string;
  args: readonly string[];
  /** CPU list for taskset (e.g. "0"); undefined = not pinned */
  cpus: string | undefined;
  options: SpawnOptions;
}

/** Spawns (through `taskset -c`, which execs, so the pid is the program's own). */
export function spawnTracked(spec: SpawnSpec): ChildProcess {
  const [command, args] =
    spec.cpus === undefined ? [spec.command, spec.args] : ['taskset', ['-c', spec.cpus, spec.command, ...spec.args]];
  const child = spawn(command, args, spec.options);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** BENCH_CPU_PROF=1: every node child writes a V8 CPU profile (open in Chrome DevTools / speedscope). */
export function profileArgs(): string[] {
  return process.env.BENCH_CPU_PROF === '1' ? ['--cpu-prof', '--cpu-prof-dir', 'bench/results/tmp/prof'] : [];
}

/**
 * BENCH_HUB_NODE_FLAGS="--trace-gc …": node flags for the Node hubs only (Herald and the floors),
 * e.g. to see GC pauses in the hub's log under bench/results/tmp/. Node refuses some of these in
 * NODE_OPTIONS, which would also reach the load processes.
 */
export function hubNodeFlags(): string[] {
  return (process.env.BENCH_HUB_NODE_FLAGS ?? '').split(/\s+/).filter((flag) => flag !== '');
}

/** A child running a TypeScript file of the bench, with an IPC channel. */
export function spawnBenchScript(file: string, cpus: string | undefined, logFd: number | 'inherit'): ChildProcess {
  return spawnTracked({
    command: process.execPath,
    args: [...profileArgs(), '--import', 'tsx', file],
    cpus,
    options: { stdio: ['ignore', logFd, logFd, 'ipc'], serialization: 'advanced' },
  });
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves when the child exits or after ms, whichever comes first. */
export async function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (exited(child)) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise<void>((resolve) => child.once('exit', () => resolve())),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** SIGTERM, then SIGKILL after graceMs; resolves when the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => stopChild(child)));
}

/** Last resort when the orchestrator itself exits: no await possible, so SIGKILL. */
function killAllNow(): void {
  for (const child of live) if (!exited(child)) child.kill('SIGKILL');
}

let installed = false;

/** Ctrl-C / SIGTERM: stop the children, then exit with the conventional code. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.once('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping ${live.size} child process(es)\n`);
      void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
}
