// `npm run bench`: starts the hub under test and the load generators as separate processes
// (pinned to different cores), runs each case of the plan for each peer, interleaved, and prints
// the tables (and, for suites, the summary with ratios and the charts). See docs/performance.md.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { writeCharts } from './lib/chart.ts';
import { installCleanup, stopAll } from './lib/children.ts';
import { checkoutState, snapshotHeraldBuild } from './lib/herald-build.ts';
import { TMP_DIR } from './lib/hub.ts';
import { ENGINE_PEERS } from './lib/hub-command.ts';
import { natsSummary } from './lib/nats.ts';
import type { BenchOptions, ScenarioName } from './lib/options.ts';
import { parseOptions } from './lib/options.ts';
import { PEER_SPECS } from './lib/peers.ts';
import { redisSummary } from './lib/redis.ts';
import { printReport, writeJson } from './lib/report.ts';
import { emptyRun, type RunResult } from './lib/results.ts';
import { bytesScenario } from './scenarios/bytes.ts';
import { channelsScenario } from './scenarios/channels.ts';
import type { Scenario } from './scenarios/context.ts';
import { fanoutScenario } from './scenarios/fanout.ts';
import { ingestScenario } from './scenarios/ingest.ts';
import { latencyScenario } from './scenarios/latency.ts';
import { memoryScenario } from './scenarios/memory.ts';
import { pollingScenario } from './scenarios/polling.ts';
import { rampSteps } from './scenarios/ramp.ts';
import { describePlan } from './suite/estimate.ts';
import { buildPlan, type Case } from './suite/plan.ts';

const scenarios: Record<ScenarioName, Scenario> = {
  latency: latencyScenario,
  fanout: fanoutScenario,
  memory: memoryScenario,
  channels: channelsScenario,
  ingest: ingestScenario,
  polling: pollingScenario,
  bytes: bytesScenario,
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

/** Upper bound for one peer's run of a case, so a wedged hub or client cannot hang the bench. */
function caseSeconds(c: Case): number {
  const o = c.opts;
  const windows =
    c.scenario === 'fanout' || c.scenario === 'channels'
      ? rampSteps(o.rate, o.maxRate, o.rampFactor).length + 1
      : c.scenario === 'latency' || c.scenario === 'bytes'
        ? 2
        : 0;
  const connect = (o.subs * o.transports.length) / 100 + (o.transports.length * 2 * o.settleMs) / 1000;
  const http = c.scenario === 'ingest' || c.scenario === 'polling' ? 3 * (o.duration + 15) : 0;
  return 40 + connect + http + windows * (o.warmup + o.duration + o.drain + 20);
}

async function runCase(c: Case, runs: RunResult[]): Promise<void> {
  console.log(`\n# ${c.id} — ${c.title}`);
  for (let repetition = 1; repetition <= c.opts.repeat; repetition++) {
    for (const name of c.peers) {
      const peer = PEER_SPECS[name];
      const result = emptyRun(c.id, name, c.scenario, repetition);
      runs.push(result);
      const missing = await peer.missing(c.opts);
      if (missing) {
        result.skipped = missing;
        console.log(`${c.id}: ${name} skipped: ${missing}`);
        continue;
      }
      const label = `${name}-r${repetition}-${Date.now().toString(36)}`;
      try {
        result.skipped = await scenarios[c.scenario]({ opts: c.opts, peer, label, result });
        if (result.skipped) console.log(`${c.id}: ${name} skipped: ${result.skipped}`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        console.error(`bench: ${c.id} ${label} failed: ${message}`);
        result.notes.push(`run failed: ${message}`);
      } finally {
        await stopAll(); // anything a failed run left behind
      }
    }
  }
}

async function main(): Promise<void> {
  installCleanup();
  const opts: BenchOptions = parseOptions(process.argv);
  if (opts.pin) {
    // The orchestrator belongs with the load, off the hub's core.
    execFileSync('taskset', ['-p', '-c', opts.loadCpus, String(process.pid)], { stdio: 'ignore' });
  }
  if (opts.dryRun) {
    console.log(describePlan(buildPlan(opts)));
    return;
  }
  const info = machine();
  // Every case gets its own copy of the options: the build is pinned before the plan is made.
  const checkout = checkoutState();
  info.commit = checkout.commit;
  info.dirty = String(checkout.dirty);
  info.changedOutsideBench = checkout.changedOutsideBench.join(' ');
  info.loadAverage = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  let provenance = `commit ${checkout.commit}${checkout.dirty ? ' (tree dirty)' : ' (clean)'}, ${checkout.changedOutsideBench.length} files changed outside bench/, load average ${info.loadAverage} at start`;
  try {
    const build = snapshotHeraldBuild(TMP_DIR);
    opts.heraldBin = build.bin;
    info.heraldBuild = build.hash;
    provenance = `Herald build ${build.hash} (${provenance})`;
  } catch (err) {
    provenance = `no Herald build (${err instanceof Error ? err.message : String(err)}; ${provenance})`;
  }
  if (opts.heraldBase !== undefined) {
    // The herald-base peer runs that checkout's own build: its commit goes into the results too.
    const base = checkoutState(opts.heraldBase);
    info.heraldBase = `${opts.heraldBase} at ${base.commit}${base.dirty ? ' (tree dirty)' : ''}`;
    provenance += `; herald-base: ${info.heraldBase}`;
  }
  const plan = buildPlan(opts);
  const onEngine = (engine: string) => plan.some((c) => c.peers.some((p) => ENGINE_PEERS[p]?.engine === engine));
  const unreachable = (err: unknown) => `not reachable: ${err instanceof Error ? err.message : String(err)}`;
  if (onEngine('redis')) {
    info.redis = await redisSummary(opts.redis).then(
      (r) => `${r.version} (maxmemory-policy ${r.maxmemoryPolicy}, AOF ${r.aof}, used ${r.usedMemory})`,
      unreachable,
    );
  }
  if (onEngine('nats')) {
    info.nats = await natsSummary(opts.nats).then((n) => `${n.version} (JetStream storage ${n.storage})`, unreachable);
  }
  const budget = plan.reduce((a, c) => a + c.opts.repeat * c.peers.length * caseSeconds(c), 0);
  console.log(
    `bench: ${plan.map((c) => c.id).join(', ')}; ${info.nproc} × ${info.cpu}; node ${info.node}${info.redis ? `; Redis ${info.redis}` : ''}${info.nats ? `; NATS ${info.nats}` : ''}; deadline ${Math.round(budget)} s`,
  );
  const watchdog = setTimeout(() => {
    console.error(`bench: deadline of ${Math.round(budget)} s passed; stopping everything`);
    void stopAll().finally(() => process.exit(2));
  }, budget * 1000);
  watchdog.unref();

  const started = Date.now();
  const runs: RunResult[] = [];
  for (const c of plan) await runCase(c, runs);
  clearTimeout(watchdog);
  const seconds = (Date.now() - started) / 1000;
  const markdown = printReport(opts, plan, runs, seconds, provenance);
  if (opts.json) {
    writeJson(opts.json, opts, plan, runs, info, markdown, seconds);
    if (opts.chart && opts.suite.length > 0) await writeCharts(opts.json.replace(/\.json$/, ''), plan, runs);
  }
}

main().catch(async (err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  await stopAll();
  process.exit(1);
});
