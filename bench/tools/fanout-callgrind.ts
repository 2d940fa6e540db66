// User-space instructions a hub spends per WebSocket delivery when nothing coalesces: N subscribers
// on one channel, one publish per event-loop turn (the next is sent only once every subscriber has
// the previous one, then after a gap). The hub runs under `valgrind --tool=callgrind` with
// instrumentation off; it is switched on (callgrind_control -i on) after a warm-up that lets V8
// optimize the hot path, and off again before the hub is stopped, so the count covers the measured
// publishes only: their HTTP requests and the fan-out, not start-up, connects or shutdown.
// Instruction counts do not depend on the machine's load, unlike times; the system calls themselves
// (one write per delivery) are not counted: this measures the code around them. Compare builds with
// --bin (a copy of another build's packages/cli, e.g. under bench/results/tmp/).
//   node --import tsx bench/tools/fanout-callgrind.ts [--peer herald|raw-ws-corked|raw-ws-per-frame]
//     [--subscribers 2000] [--messages 30] [--warmup 100] [--gap-ms 20] [--bin packages/cli/bin/herald.js]
//     [--port 18931] [-- extra hub flags]
// Needs `npm run build` (the herald peer runs packages/cli/bin/herald.js serve with the bench's flags,
// bench/lib/hub-command.ts) and valgrind. The subscribers run in this process; raise `ulimit -n` above
// the subscriber count if needed.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { hubCommand } from '../lib/hub-command.ts';
import type { PeerName } from '../lib/options.ts';
import { threadTotals, waitHealthy } from './callgrind-support.ts';

const { values, positionals } = parseArgs({
  options: {
    peer: { type: 'string', default: 'herald' },
    subscribers: { type: 'string', default: '2000' },
    messages: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '100' },
    'gap-ms': { type: 'string', default: '20' },
    port: { type: 'string', default: '18931' },
    bin: { type: 'string', default: 'packages/cli/bin/herald.js' },
  },
  allowPositionals: true,
});
const peer = values.peer as PeerName;
const subscribers = Number(values.subscribers);
const messages = Number(values.messages);
const warmup = Number(values.warmup);
const gapMs = Number(values['gap-ms']);
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
  // Herald's WebSocket pings (every 25 s) and their 2,000 pongs would land in the window now and then.
  heraldArgs: ['--ws-ping-ms', '3600000', ...positionals],
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
];
const child = spawn('valgrind', [...valgrindArgs, hub.command, ...hub.args], { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
child.stderr.on('data', (d: Buffer) => {
  stderr += d.toString();
});
const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));

/** Frames received, all sockets together. */
let received = 0;
const sockets: WebSocket[] = [];

function connect(): Promise<void> {
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

async function publish(n: number): Promise<void> {
  const want = received + subscribers;
  const res = await fetch(`${base}/v1/channels/${channel}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ data: { n, sentAt: Date.now(), text: 'a message of a typical small size' } }),
  });
  if (!res.ok) throw new Error(`publish answered ${res.status}`);
  await res.arrayBuffer();
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
const deliveries = subscribers * messages;
console.log(
  `${peer}: ${subscribers} subscribers x ${messages} messages; instructions per delivery: ` +
    `main thread ${Math.round(mainThread / deliveries)}, all threads ${Math.round(allThreads / deliveries)} (${join(dir, main)})`,
);
