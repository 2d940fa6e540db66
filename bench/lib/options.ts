// Command-line options of `npm run bench` (commander), validated into one typed object.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Transport } from './ipc.ts';

export const PEERS = ['herald', 'herald-lib', 'raw-ws'] as const;
export type PeerName = (typeof PEERS)[number];
export const SCENARIOS = ['latency', 'fanout', 'memory'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
const TRANSPORTS: readonly Transport[] = ['ws', 'sse'];

export interface BenchOptions {
  peers: PeerName[];
  scenario: ScenarioName;
  transports: Transport[];
  subs: number;
  rate: number;
  maxRate: number;
  duration: number;
  warmup: number;
  drain: number;
  batch: number;
  size: number;
  repeat: number;
  pin: boolean;
  serverCpus: string;
  loadCpus: string;
  connsPerWorker: number;
  connsPerAddress: number;
  connectConcurrency: number;
  apiKey: string;
  heraldArgs: string[];
  json: string | undefined;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function listOf<T extends string>(allowed: readonly T[]) {
  return (value: string): T[] => {
    const items = value.split(',').map((s) => s.trim());
    for (const item of items) {
      if (!(allowed as readonly string[]).includes(item)) {
        throw new InvalidArgumentError(`"${item}" is not one of ${allowed.join(', ')}`);
      }
    }
    return items as T[];
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const program = new Command('bench')
    .description('Herald benchmark: hub under test and load generators in separate, pinned processes')
    .addOption(new Option('--peer <name>', 'hub under test').choices(PEERS))
    .option('--peers <list>', `hubs to run interleaved in one invocation (${PEERS.join(',')})`, listOf(PEERS))
    .addOption(new Option('--scenario <name>', 'what to measure').choices(SCENARIOS).default('latency'))
    .option('--transports <list>', 'subscriber transports (ws,sse)', listOf(TRANSPORTS), ['ws', 'sse'])
    .option('--subs <n>', 'subscribers per transport', positiveInt, 1000)
    .option('--rate <n>', 'messages published per second (fanout: first step)', positiveNumber, 100)
    .option('--max-rate <n>', 'fanout: highest step', positiveNumber, 20000)
    .option('--duration <s>', 'publishing time per run or step, seconds', positiveNumber, 10)
    .option('--warmup <s>', 'publishing before measuring (JIT, buffers), seconds; 0 = none', Number, 2)
    .option('--drain <s>', 'longest wait for late deliveries after publishing stops, seconds', positiveNumber, 10)
    .option('--batch <n>', 'messages per POST (JSON array batch when > 1)', positiveInt, 1)
    .option('--size <bytes>', "approximate JSON size of each message's data", positiveInt, 100)
    .option('--repeat <n>', 'repetitions (peers interleaved within each)', positiveInt, 1)
    .option('--no-pin', 'do not pin the hub and the load to separate cores with taskset')
    .option('--server-cpus <list>', 'taskset CPU list for the hub', '0')
    .option('--load-cpus <list>', 'taskset CPU list for load generators and the orchestrator', '1')
    .option('--conns-per-worker <n>', 'connections per load process', positiveInt, 15000)
    .option('--conns-per-address <n>', 'connections per source address (127.0.x.y)', positiveInt, 1000)
    .option('--connect-concurrency <n>', 'handshakes in flight per load process', positiveInt, 200)
    .option('--api-key <key>', 'API key the hub is started with and the publisher uses', 'bench-key')
    .option('--herald-arg <arg>', 'extra argument for `herald serve` (repeatable)', collect, [])
    .option('--json [file]', 'write the results as JSON (default file: bench/results/<date>-<scenario>.json)');
  program.parse(argv as string[], { from: 'node' });
  const o = program.opts<{
    peer?: PeerName;
    peers?: PeerName[];
    scenario: ScenarioName;
    transports: Transport[];
    subs: number;
    rate: number;
    maxRate: number;
    duration: number;
    warmup: number;
    drain: number;
    batch: number;
    size: number;
    repeat: number;
    pin: boolean;
    serverCpus: string;
    loadCpus: string;
    connsPerWorker: number;
    connsPerAddress: number;
    connectConcurrency: number;
    apiKey: string;
    heraldArg: string[];
    json?: string | true;
  }>();
  if (!Number.isFinite(o.warmup) || o.warmup < 0) program.error('--warmup: expected a number >= 0');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    peers: o.peers ?? [o.peer ?? 'herald'],
    scenario: o.scenario,
    transports: [...new Set(o.transports)],
    subs: o.subs,
    rate: o.rate,
    maxRate: o.maxRate,
    duration: o.duration,
    warmup: o.warmup,
    drain: o.drain,
    batch: o.batch,
    size: o.size,
    repeat: o.repeat,
    pin: o.pin,
    serverCpus: o.serverCpus,
    loadCpus: o.loadCpus,
    connsPerWorker: o.connsPerWorker,
    connsPerAddress: o.connsPerAddress,
    connectConcurrency: o.connectConcurrency,
    apiKey: o.apiKey,
    heraldArgs: o.heraldArg,
    json: o.json === true ? `bench/results/${stamp}-${o.scenario}.json` : o.json,
  };
}
