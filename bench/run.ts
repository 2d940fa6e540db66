// `npm run bench`: starts the hub under test and the load generators as separate processes
// (pinned to different cores), runs the chosen scenario for each peer, interleaved when
// several are named, and prints the tables. See docs/performance.md.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { installCleanup, stopAll } from './lib/children.ts';
import { type BenchOptions, parseOptions, type ScenarioName } from './lib/options.ts';
import { printReport, writeJson } from './lib/report.ts';
import type { RunResult, WindowResult } from './lib/results.ts';
import { closeSession, openSession, type Session } from './lib/session.ts';
import { fanoutScenario, rampSteps } from './scenarios/fanout.ts';
import { latencyScenario } from './scenarios/latency.ts';
import { memoryScenario } from './scenarios/memory.ts';

type Scenario = (session: Session, opts: BenchOptions, label: string) => Promise<WindowResult[]>;
const scenarios: Record<ScenarioName, Scenario> = {
  latency: latencyScenario,
  fanout: fanoutScenario,
  memory: memoryScenario,
};

function machine(): Record<string, string> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: String(cpus().length),
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    node: process.version,
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
  };
}

/** Upper bound for the whole invocation, so a wedged hub or client cannot hang it forever. */
function deadlineSeconds(opts: BenchOptions): number {
  const steps =
    opts.scenario === 'fanout' ? rampSteps(opts.rate, opts.maxRate).length : opts.scenario === 'latency' ? 1 : 0;
  const connect = 40 + (opts.subs * opts.transports.length) / 100;
  const publishing = (steps + 1) * (opts.warmup + opts.duration + opts.drain + 20);
  return opts.repeat * opts.peers.length * (30 + connect + publishing);
}

async function main(): Promise<void> {
  installCleanup();
  const opts = parseOptions(process.argv);
  if (opts.pin) {
    // The orchestrator belongs with the load, off the hub's core.
    execFileSync('taskset', ['-p', '-c', opts.loadCpus, String(process.pid)], { stdio: 'ignore' });
  }
  const info = machine();
  console.log(
    `bench ${opts.scenario}: peers ${opts.peers.join(',')} × ${opts.repeat}; ${info.nproc} × ${info.cpu}; node ${info.node}`,
  );
  const watchdog = setTimeout(() => {
    console.error(`bench: deadline of ${deadlineSeconds(opts)} s passed; stopping everything`);
    void stopAll().finally(() => process.exit(2));
  }, deadlineSeconds(opts) * 1000);
  watchdog.unref();

  const runs: RunResult[] = [];
  const stamp = Date.now().toString(36);
  for (let repetition = 1; repetition <= opts.repeat; repetition++) {
    for (const peer of opts.peers) {
      const label = `${peer}-r${repetition}-${stamp}`;
      const result: RunResult = {
        peer,
        scenario: opts.scenario,
        repetition,
        memory: { baselineRssBytes: 0, transports: [] },
        windows: [],
        hubCrashed: false,
        notes: [],
      };
      runs.push(result);
      let session: Session | undefined;
      try {
        session = await openSession(opts, peer, label);
        result.memory = session.memory;
        result.notes.push(...session.notes);
        result.windows = await scenarios[opts.scenario](session, opts, label);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        console.error(`bench: ${label} failed: ${message}`);
        result.notes.push(`run failed: ${message}`);
      } finally {
        if (session) {
          const stopped = await closeSession(session);
          result.hubCrashed = stopped.crashed;
          if (stopped.crashed) result.notes.push(`hub log tail:\n${stopped.logTail}`);
        }
        await stopAll(); // anything a failed session left behind
      }
    }
  }
  clearTimeout(watchdog);
  printReport(opts, runs);
  if (opts.json) writeJson(opts.json, opts, runs, info);
}

main().catch(async (err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  await stopAll();
  process.exit(1);
});
