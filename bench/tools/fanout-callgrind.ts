// User-space instructions a hub spends per delivery when nothing coalesces: N subscribers (WebSocket,
// SSE or NDJSON streams: --transport) on one channel, one publish per event-loop turn (the next is
// sent only once every subscriber has the previous one, then after a gap). The hub runs under
// `valgrind --tool=callgrind` with instrumentation off; it is switched on (callgrind_control -i on)
// after a warm-up that lets V8 optimize the hot path, and off again before the hub is stopped, so
// the count covers the measured publishes only: their HTTP requests and the fan-out, not start-up,
// connects or shutdown.
// --concurrent K sends K POSTs of one message each at once (on K connections): a hub under valgrind
// reads them in one turn and fans them out one after the other, message by message, as a saturated
// ramp does (a batch is fanned out socket by socket instead). --messages then counts rounds of K.
// --cache-sim also simulates the caches (a 32 KB L1 and a last level of --last-level-kb, 8 MB unless
// told: about one core's share of an EPYC's L3) and prints the main thread's data-cache misses per
// delivery: what a fan-out to many sockets costs in memory traffic, which an instruction count misses
// (docs/performance.md, "Session 17").
// --batch K publishes K messages per POST (a JSON array): every subscriber then gets K frames in one
// event-loop turn, as in a saturated ramp where several publishes share a turn and the hub's writes
// coalesce. The count per delivery then is the cost of one more message to a socket already written
// to in the turn, which sets how close to the floor a ramp's latency stays as the rate rises.
// Instruction counts do not depend on the machine's load, unlike times; the system calls themselves
// (one write per delivery) are not counted: this measures the code around them. Compare builds with
// --bin (a copy of another build's packages/cli, e.g. under bench/results/tmp/).
//   node --import tsx bench/tools/fanout-callgrind.ts [--peer herald|raw-ws-corked|raw-ws-per-frame]
//     [--transport ws|sse|ndjson] [--subscribers 2000] [--messages 30] [--warmup 100] [--gap-ms 20] [--batch 1]
//     [--concurrent 1]
//     [--cache-sim] [--last-level-kb 8192]
//     [--bin packages/cli/bin/herald.js] [--port 18931] [-- extra hub flags]
// Needs `npm run build` (the herald peer runs packages/cli/bin/herald.js serve with the bench's flags,
// bench/lib/hub-command.ts) and valgrind. The subscribers run in this process; raise `ulimit -n` above
// the subscriber count if needed.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { hubCommand } from '../lib/hub-command.ts';
import type { Transport } from '../lib/ipc.ts';
import type { PeerName } from '../lib/options.ts';
import { PEER_SPECS } from '../lib/peers.ts';
import { mainThreadEvents, threadTotals, waitHealthy } from './callgrind-support.ts';

const { values, positionals } = parseArgs({
  options: {
    peer: { type: 'string', default: 'herald' },
    transport: { type: 'string', default: 'ws' },
    subscribers: { type: 'string', default: '2000' },
    messages: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '100' },
    'gap-ms': { type: 'string', default: '20' },
    batch: { type: 'string', default: '1' },
    concurrent: { type: 'string', default: '1' },
    port: { type: 'string', default: '18931' },
    bin: { type: 'string', default: 'packages/cli/bin/herald.js' },
    'cache-sim': { type: 'boolean', default: false },
    'last-level-kb': { type: 'string', default: '8192' },
  },
  allowPositionals: true,
});
const peer = values.peer as PeerName;
const transport = values.transport as Transport;
if (!['ws', 'sse', 'ndjson'].includes(transport)) {
  console.error(`--transport ${transport}: one of ws, sse, ndjson`);
  process.exit(2);
}
const spec = PEER_SPECS[peer];
if (spec === undefined) {
  console.error(`--peer ${peer}: unknown peer`);
  process.exit(2);
}
if (!spec.transports.includes(transport)) {
  console.error(`${peer} has no ${transport} subscribers (it delivers on: ${spec.transports.join(', ') || 'none'})`);
  process.exit(2);
}
const subscribers = Number(values.subscribers);
const messages = Number(values.messages);
const warmup = Number(values.warmup);
const gapMs = Number(values['gap-ms']);
/** The whole-number option `name` (1 to `max`), or the process ends with what is wrong. */
function wholeOption(name: 'batch' | 'concurrent', max: number): number {
  const n = Number(values[name]);
  if (Number.isInteger(n) && n >= 1 && n <= max) return n;
  console.error(`--${name} ${values[name]}: a whole number from 1 to ${max}`);
  process.exit(2);
}
const batch = wholeOption('batch', 1000);
const concurrent = wholeOption('concurrent', 100);
const lastLevelBytes = Number(values['last-level-kb']) * 1024;
if (!Number.isInteger(Math.log2(lastLevelBytes))) {
  console.error(`--last-level-kb ${values['last-level-kb']}: a power of two`);
  process.exit(2);
}
const port = Number(values.port);
const apiKey = 'callgrind-key';
const channel = 'fanout';
const base = `http://127.0.0.1:${port}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'fanout-callgrind-'));
const hub = hubCommand({
  peer,
  port,
  apiKey,
  // Herald's WebSocket pings (every 25 s) and their 2,000 pongs, or the streams' heartbeats (15 s),
  // would land in the window now and then.
  heraldArgs: ['--ws-ping-ms', '3600000', '--heartbeat-ms', '3600000', ...positionals],
  heraldBin: values.bin,
  bunBin: undefined,
  tmpDir: dir,
  store: undefined,
});
const valgrindArgs = [
  '--tool=callgrind',
  '--instr-atstart=no',
  '--separate-threads=yes',
  // V8 writes and rewrites machine code at run time.
  '--smc-check=all-non-file',
  `--callgrind-out-file=${join(dir, 'callgrind.out.%p')}`,
  ...(values['cache-sim'] ? ['--cache-sim=yes', '--D1=32768,8,64', `--LL=${lastLevelBytes},16,64`] : []),
];
const child = spawn('valgrind', [...valgrindArgs, hub.command, ...hub.args], { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
child.stderr.on('data', (d: Buffer) => {
  stderr += d.toString();
});
const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));

/** Deliveries received, all subscribers together. */
let received = 0;
const sockets: Array<{ terminate(): void }> = [];

function connectWs(): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/channels/${channel}/messages`, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    let first = true;
    ws.on('message', () => {
      // The first frame announces the subscription.
      if (first) {
        first = false;
        resolve();
      } else received++;
    });
    ws.on('error', reject);
    sockets.push(ws);
  });
}

/** What every publish carries (and nothing else a stream writes does): one per delivery. */
const MARK = 'a message of a typical small size';
const ACCEPT = { sse: 'text/event-stream', ndjson: 'application/x-ndjson' } as const;

/**
 * One SSE or NDJSON subscriber on a plain TCP socket, resumed from `after` (if the hub gave one) so
 * that it misses nothing published once its answer started. It counts the publishes' mark in the
 * body (keeping the bytes that could begin one cut across two reads) instead of parsing events.
 */
function connectStream(kind: 'sse' | 'ndjson', after: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    const query = after === undefined ? '' : `?after=${encodeURIComponent(after)}`;
    socket.write(
      `GET /v1/channels/${channel}/messages${query} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: ${ACCEPT[kind]}\r\n\r\n`,
    );
    /** The answer's head until its end is read; undefined after. */
    let head: string | undefined = '';
    /** The last bytes of the body read, which may begin a mark cut by the next read. */
    let tail = '';
    socket.on('data', (chunk: Buffer) => {
      let text = chunk.toString('latin1');
      if (head !== undefined) {
        head += text;
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!head.startsWith('HTTP/1.1 200')) {
          reject(new Error(`${kind} answered ${head.slice(0, head.indexOf('\r\n'))}`));
          return;
        }
        text = head.slice(end + 4);
        head = undefined;
        resolve();
      }
      text = tail + text;
      for (let at = text.indexOf(MARK); at >= 0; at = text.indexOf(MARK, at + MARK.length)) received++;
      tail = text.slice(-(MARK.length - 1));
    });
    socket.on('error', reject);
    sockets.push({ terminate: () => socket.destroy() });
  });
}

/** Publishes `count` messages in one POST (an array when more than one). */
async function post(n: number, count = 1): Promise<{ cursor?: string }> {
  const item = (i: number): object => ({ data: { n: n * count + i, sentAt: Date.now(), text: MARK } });
  const body = count === 1 ? item(0) : Array.from({ length: count }, (_, i) => item(i));
  const res = await fetch(`${base}/v1/channels/${channel}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`publish answered ${res.status}`);
  return (await res.json()) as { cursor?: string };
}

async function publish(n: number): Promise<void> {
  const want = received + subscribers * batch * concurrent;
  await Promise.all(Array.from({ length: concurrent }, (_, i) => post(n * concurrent + i, batch)));
  while (received < want) await sleep(2);
  await sleep(gapMs);
}

/** Switches the hub's instrumentation on or off (callgrind_control waits for the hub's answer). */
function instrument(on: boolean): void {
  execFileSync('callgrind_control', ['-i', on ? 'on' : 'off', String(child.pid)], { stdio: 'ignore' });
}

try {
  await waitHealthy(base, child, 300_000).catch((error: Error) => {
    throw new Error(`${error.message}:\n${stderr}`);
  });
  // The floors' SSE streams say nothing of when they hold a position (Herald's send
  // herald.subscribed, docs/protocol.md section 4): streams resume after a first message's cursor
  // instead, the same for every peer (a floor answers none).
  const after = transport === 'ws' ? undefined : (await post(-1)).cursor;
  const connect = transport === 'sse' || transport === 'ndjson' ? () => connectStream(transport, after) : connectWs;
  for (let i = 0; i < subscribers; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, subscribers - i) }, connect));
  }
  for (let i = 0; i < warmup; i++) await publish(i);
  instrument(true);
  for (let i = 0; i < messages; i++) await publish(warmup + i);
  instrument(false);
} finally {
  for (const ws of sockets) ws.terminate();
  child.kill('SIGTERM');
  await exited;
}

// One file per thread: the main thread (-01) runs the JavaScript, the scavenges its allocations cause
// and the system-call wrappers; V8's helper threads do concurrent marking, sweeping and optimizing
// compiles, which come in lumps that a short window catches or misses. Both are printed.
const files = readdirSync(dir).filter((f) => /^callgrind\.out\.\d+-\d+$/.test(f));
const main = files.find((f) => f.endsWith('-01'));
if (main === undefined) throw new Error(`no main-thread callgrind output in ${dir}:\n${stderr}`);
const { main: mainThread, all: allThreads } = threadTotals(files.map((f) => join(dir, f)));
const deliveries = subscribers * messages * batch * concurrent;
console.log(
  `${peer} ${transport}: ${subscribers} subscribers x ${messages} rounds of ${concurrent} posts x ${batch} messages; instructions per delivery: ` +
    `main thread ${Math.round(mainThread / deliveries)}, all threads ${Math.round(allThreads / deliveries)} (${join(dir, main)})`,
);
if (values['cache-sim']) {
  const events = mainThreadEvents(files.map((f) => join(dir, f)));
  const per = (name: string): string => ((events[name] ?? 0) / deliveries).toFixed(2);
  console.log(
    `  main thread per delivery: data reads ${per('Dr')}, writes ${per('Dw')}; L1 misses: read ${per('D1mr')}, write ${per('D1mw')}; ` +
      `last level (${values['last-level-kb']} KB) misses: read ${per('DLmr')}, write ${per('DLmw')}`,
  );
}
