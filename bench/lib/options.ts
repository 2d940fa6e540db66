// Command-line options of `npm run bench` (commander), validated into one typed object.
import { Command, InvalidArgumentError, Option } from 'commander';
import { HERALD_BIN } from './herald-build.ts';
import type { Transport } from './ipc.ts';

export const PEERS = [
  'herald',
  'herald-base',
  'herald-lib',
  'herald-redis',
  'herald-redis-w2',
  'herald-nats',
  'raw-ws-per-frame',
  'raw-ws-corked',
  'socketio',
  'nchan',
  'bun',
  'http-floor',
] as const;
export type PeerName = (typeof PEERS)[number];
export const SCENARIOS = ['latency', 'fanout', 'memory', 'channels', 'ingest', 'polling', 'bytes'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** The measurements of the ingest (single, batch, ws) and polling (get, conditional) scenarios. */
export const RATE_KINDS = ['single', 'batch', 'ws', 'get', 'conditional'] as const;
export type RateKind = (typeof RATE_KINDS)[number];
export const TRANSPORTS: readonly Transport[] = ['ws', 'wsc', 'sse', 'ndjson', 'longpoll', 'poll'];
/** The scenario letters of docs/performance.md: A-F and R (Redis); `--suite` runs their presets (bench/suite/presets.ts). */
export const SUITE_LETTERS = ['A', 'B', 'C', 'D', 'E', 'F', 'R'] as const;
export type SuiteLetter = (typeof SUITE_LETTERS)[number];
/** What `--quick` runs when no `--suite` is given: the smoke test of A-F (R needs a Redis). */
const QUICK_DEFAULT: readonly SuiteLetter[] = ['A', 'B', 'C', 'D', 'E', 'F'];

export interface BenchOptions {
  peers: PeerName[];
  /** set when --peer/--peers was given: presets then keep to these peers */
  peersGiven: boolean;
  scenario: ScenarioName;
  /** presets (scenario letters) to run instead of the single --scenario; empty = none */
  suite: SuiteLetter[];
  quick: boolean;
  transports: Transport[];
  subs: number;
  rate: number;
  maxRate: number;
  /** fanout/channels: each ramp step multiplies the rate by this */
  rampFactor: number;
  duration: number;
  warmup: number;
  drain: number;
  batch: number;
  /** fanout/channels: above this many POSTs a second a ramp step batches (JSON arrays) */
  maxPostsPerSec: number;
  /** fanout/channels/latency: most POSTs in flight (= keep-alive connections) of the publisher */
  publishConns: number;
  size: number;
  repeat: number;
  pin: boolean;
  serverCpus: string;
  loadCpus: string;
  connsPerWorker: number;
  connsPerAddress: number;
  connectConcurrency: number;
  /** most connections one hub process is given at once (its open-file limit is 20,000 here) */
  maxHubConns: number;
  /** wait after connecting before memory is read, ms */
  settleMs: number;
  /** poll subscribers: time between polls, ms */
  pollIntervalMs: number;
  /** wrk and the WebSocket publisher: connections */
  httpConns: number;
  /** ingest: messages per batch POST */
  ingestBatch: number;
  /** ingest/polling: which measurements to run (e.g. to profile one alone) */
  kinds: RateKind[];
  apiKey: string;
  /** Redis the herald-redis peers run on; each run gets a key prefix of its own, deleted after it */
  redis: string;
  /** NATS with JetStream the herald-nats peer runs on; each run gets a prefix (stream, buckets) of its own */
  nats: string;
  heraldArgs: string[];
  /** the `herald` command of the CLI peers; run.ts points it at a snapshot of the build */
  heraldBin: string;
  /** a built checkout of another commit, run by the herald-base peer (before/after comparisons in one run) */
  heraldBase: string | undefined;
  /** the `bun` binary of the Bun peer (--bun, else BENCH_BUN); undefined: PATH, then /opt/bun (bench/peers/bun.ts) */
  bun: string | undefined;
  json: string | undefined;
  /** write the fan-out / memory charts (SVG + PNG) next to the JSON */
  chart: boolean;
  /** print the plan and its expected duration, run nothing */
  dryRun: boolean;
  /** options given on the command line: suite presets do not override these */
  explicit: Array<keyof BenchOptions>;
}

/** What commander hands back: the plain BenchOptions fields, plus the raw form of the others. */
type RawOptions = Omit<
  BenchOptions,
  | 'peers'
  | 'peersGiven'
  | 'suite'
  | 'quick'
  | 'settleMs'
  | 'pollIntervalMs'
  | 'heraldArgs'
  | 'heraldBin'
  | 'json'
  | 'dryRun'
  | 'explicit'
> & {
  peer?: PeerName;
  peers?: PeerName[];
  suite?: SuiteLetter[];
  quick?: boolean;
  settle: number;
  pollInterval: number;
  heraldArg: string[];
  json?: string | true;
  dryRun?: boolean;
};

/** commander's option names that differ from BenchOptions' keys */
const RENAMED: Record<string, keyof BenchOptions> = {
  settle: 'settleMs',
  pollInterval: 'pollIntervalMs',
  heraldArg: 'heraldArgs',
};

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

function suiteList(value: string): SuiteLetter[] {
  return value.toLowerCase() === 'all' ? [...SUITE_LETTERS] : listOf(SUITE_LETTERS)(value.toUpperCase());
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
    .option(
      '--suite <letters>',
      "presets: A..F (issue 6), R (Redis, issue 10), comma-separated, or 'all' (overrides --scenario)",
      suiteList,
    )
    .option('--quick', 'reduced presets (N = 1,000, short steps; A-F unless --suite is given)')
    .option('--transports <list>', `subscriber transports (${TRANSPORTS.join(',')})`, listOf(TRANSPORTS), ['ws', 'sse'])
    .option('--subs <n>', 'subscribers per transport', positiveInt, 1000)
    .option('--rate <n>', 'messages published per second (fanout/channels: first step)', positiveNumber, 100)
    .option('--max-rate <n>', 'fanout/channels: highest step', positiveNumber, 20000)
    .option('--ramp-factor <x>', 'fanout/channels: rate multiplier per step', positiveNumber, 2)
    .option('--duration <s>', 'publishing time per run or step, seconds', positiveNumber, 10)
    .option('--warmup <s>', 'publishing before measuring (JIT, buffers), seconds; 0 = none', Number, 2)
    .option('--drain <s>', 'longest wait for late deliveries after publishing stops, seconds', positiveNumber, 10)
    .option('--batch <n>', 'messages per POST (JSON array batch when > 1)', positiveInt, 1)
    .option(
      '--max-posts-per-sec <n>',
      'fanout/channels: above this many POSTs/s a step publishes JSON-array batches (suite A, D: single POSTs)',
      positiveInt,
      500,
    )
    .option(
      '--publish-conns <n>',
      'fanout/channels/latency: keep-alive connections (POSTs in flight) of the publisher',
      positiveInt,
      64,
    )
    .option('--size <bytes>', "approximate JSON size of each message's data", positiveInt, 100)
    .option('--repeat <n>', 'repetitions (peers interleaved within each)', positiveInt, 1)
    .option('--no-pin', 'do not pin the hub and the load to separate cores with taskset')
    .option('--server-cpus <list>', 'taskset CPU list for the hub', '0')
    .option('--load-cpus <list>', 'taskset CPU list for load generators and the orchestrator', '1')
    .option('--conns-per-worker <n>', 'connections per load process', positiveInt, 15000)
    .option('--conns-per-address <n>', 'connections per source address (127.0.x.y)', positiveInt, 1000)
    .option('--connect-concurrency <n>', 'handshakes in flight per load process', positiveInt, 200)
    .option('--max-hub-conns <n>', 'most connections given to one hub process at once', positiveInt, 19500)
    .option('--settle <ms>', 'wait after connecting before memory is read, ms', positiveInt, 1500)
    .option('--poll-interval <ms>', 'poll subscribers: time between polls, ms', positiveInt, 1000)
    .option('--http-conns <n>', 'ingest/polling: wrk connections and WebSocket publishers', positiveInt, 64)
    .option('--ingest-batch <n>', 'ingest: messages per batch POST', positiveInt, 100)
    .option('--kinds <list>', `ingest/polling: measurements to run (${RATE_KINDS.join(',')})`, listOf(RATE_KINDS), [
      ...RATE_KINDS,
    ])
    .option('--api-key <key>', 'API key the hub is started with and the publisher uses', 'bench-key')
    .option('--redis <url>', 'Redis of the herald-redis peers (a fresh key prefix per run)', 'redis://127.0.0.1:6379')
    .option(
      '--nats <url>',
      'NATS JetStream of the herald-nats peer (a fresh stream prefix per run)',
      'nats://127.0.0.1:4222',
    )
    .option(
      '--herald-base <dir>',
      'a built checkout of another commit (e.g. a git worktree after `npm ci && npm run build`), run as peer herald-base',
    )
    .option('--bun <path>', 'the bun binary of the Bun peer (default: $BENCH_BUN, PATH, /opt/bun)')
    .option('--herald-arg <arg>', 'extra argument for `herald serve` (repeatable)', collect, [])
    .option('--json [file]', 'write the results as JSON (default file: bench/results/<date>-<scenario>.json)')
    .option('--no-chart', 'suites: do not write the SVG/PNG charts')
    .option('--dry-run', 'print the cases, peers and expected duration; run nothing');
  program.parse(argv as string[], { from: 'node' });
  const o = program.opts<RawOptions>();
  if (!Number.isFinite(o.warmup) || o.warmup < 0) program.error('--warmup: expected a number >= 0');
  if (o.rampFactor <= 1) program.error('--ramp-factor: expected a number > 1');
  const quick = o.quick === true;
  const explicit = Object.keys(o)
    .filter((k) => program.getOptionValueSource(k) === 'cli')
    .map((k) => RENAMED[k] ?? (k as keyof BenchOptions));
  const suite = o.suite ?? (quick ? [...QUICK_DEFAULT] : []);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const name = suite.length > 0 ? `suite-${quick ? 'quick-' : ''}${suite.join('')}` : o.scenario;
  const peersGiven = o.peers !== undefined || o.peer !== undefined;
  // The rest are BenchOptions fields under their own names, as commander parsed them.
  const { peer, peers, suite: _suite, quick: _quick, settle, pollInterval, heraldArg, json, dryRun, ...plain } = o;
  return {
    ...plain,
    peers: peers ?? [peer ?? 'herald'],
    peersGiven,
    suite,
    quick,
    transports: [...new Set(o.transports)],
    settleMs: settle,
    pollIntervalMs: pollInterval,
    heraldArgs: heraldArg,
    heraldBin: HERALD_BIN,
    bun: o.bun ?? process.env.BENCH_BUN,
    // Suites always keep their numbers: a full run takes long and the chart is drawn from it.
    json: json === true || (json === undefined && suite.length > 0) ? `bench/results/${stamp}-${name}.json` : json,
    dryRun: dryRun === true,
    explicit,
  };
}
