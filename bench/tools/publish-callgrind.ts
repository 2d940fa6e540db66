// Instructions per single-message POST (scenario D's publish path), counted by callgrind, for the
// built Herald hub and the node:http floor (bench/peers/http-floor.ts). Instruction counts do not
// depend on machine load, so this runs beside other work where a throughput bench cannot.
//
//   npm run build && node --import tsx bench/tools/publish-callgrind.ts [--peer herald|floor|both]
//     [--requests 2000] [--warmup 6000] [--subscribers 0] [--new-channels] [--size 100] [--keep]
//     [--herald-bin <another build's packages/cli/bin/herald.js>]
//
// Each peer starts under `valgrind --tool=callgrind --separate-threads=yes` (Herald: `herald serve` of
// the build, with the bench's flags and an API key). `--subscribers K` first opens K WebSocket
// subscribers, one on each of the channels bench-0..bench-(K-1). Warm-up rounds of POSTs then go to
// bench-0..bench-(N-1) over 16 keep-alive connections (start-up, JIT and channel creation stay out of
// the count), the counters are zeroed (`callgrind_control -z`), a measured round of N POSTs goes to
// the same channels (or, with --new-channels, to N fresh ones: the cost of a first publish), and the
// counters are dumped. Printed: instructions per POST on the main thread (the one that bounds a hub's
// rate) and on all threads (V8's optimizing compiler and GC helpers too), and Herald / floor. `--keep`
// keeps the dumps (in the printed directory) for `callgrind_annotate --inclusive=yes <file>-01`.
//
// Callgrind cannot name JIT-compiled JavaScript, so `--cpu-prof` runs the same rounds without valgrind
// under `node --cpu-prof` (after the warm-up, --rounds more rounds) and keeps the profile, to be read
// with bench/tools/prof-top.ts.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { HERALD_BIN } from '../lib/herald-build.ts';
import { HERALD_BENCH_FLAGS } from '../lib/hub-command.ts';
import { freePort, threadTotals, waitHealthy } from './callgrind-support.ts';

const API_KEY = 'callgrind-key';
const CONNECTIONS = 16;

const { values } = parseArgs({
  options: {
    peer: { type: 'string', default: 'both' },
    'herald-bin': { type: 'string', default: HERALD_BIN },
    requests: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '6000' },
    subscribers: { type: 'string', default: '0' },
    size: { type: 'string', default: '100' },
    'new-channels': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '10' },
  },
});
const requests = Number(values.requests);
const warmup = Number(values.warmup);
const subscribers = Number(values.subscribers);
const pad = 'x'.repeat(Math.max(0, Number(values.size) - 31));
const peers = values.peer === 'both' ? ['herald', 'floor'] : [values.peer ?? 'herald'];

function hubArgs(peer: string, port: number): string[] {
  if (peer === 'floor') return ['--import', 'tsx', 'bench/peers/http-floor.ts', '--port', String(port)];
  const bin = values['herald-bin'] ?? HERALD_BIN;
  return [bin, 'serve', '--host', '127.0.0.1', '--port', String(port), '--api-key', API_KEY, ...HERALD_BENCH_FLAGS];
}

/** N POSTs, channel `${prefix}${i}`, at most CONNECTIONS in flight (one per keep-alive connection). */
async function postRound(origin: string, agent: Agent, prefix: string, n: number): Promise<void> {
  let next = 0;
  let refused = 0;
  const one = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request(`${origin}/v1/channels/${prefix}${i}/messages`, {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        if (res.statusCode !== 201) refused++;
        res.resume();
        res.on('end', resolve);
      });
      // Under valgrind the hub's timers run late, so it may close an idle keep-alive connection just as
      // the agent reuses it: such a POST is sent again.
      req.on('error', (error: NodeJS.ErrnoException) =>
        error.code === 'ECONNRESET' ? one(i).then(resolve, reject) : reject(error),
      );
      req.end(`{"data":{"t":${i}.5,"pad":"${pad}"}}`);
    });
  const lane = async (): Promise<void> => {
    while (next < n) await one(next++);
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, lane));
  if (refused > 0) throw new Error(`${refused} POSTs not answered 201`);
}

/** Subscribers opened at once: node's listen backlog is 511, and a hub under valgrind accepts slowly. */
const OPEN_BATCH = 200;

/** K subscribers on bench-0..bench-(K-1), opened OPEN_BATCH at a time (all at once, some were reset). */
async function openSubscribers(origin: string, k: number): Promise<WebSocket[]> {
  const base = origin.replace(/^http/, 'ws');
  const open = (i: number): Promise<WebSocket> =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${base}/v1/channels/bench-${i}/messages`, { perMessageDeflate: false });
      ws.once('message', () => resolve(ws)); // the {"subscribed": …} announcement
      ws.once('error', reject);
    });
  const all: WebSocket[] = [];
  for (let from = 0; from < k; from += OPEN_BATCH) {
    const batch = Array.from({ length: Math.min(OPEN_BATCH, k - from) }, (_, j) => open(from + j));
    all.push(...(await Promise.all(batch)));
  }
  return all;
}

/** Instructions counted since zeroing: on the main thread (file `…-01`) and on all threads. */
function dumpedInstructions(dir: string, peer: string): { main: number; all: number } {
  const files = readdirSync(dir).filter((f) => f.startsWith(`${peer}.out.`));
  return threadTotals(files.map((f) => join(dir, f)));
}

/** The peer's command line: under callgrind (one dump file per thread), or under `node --cpu-prof`. */
function command(peer: string, port: number, dir: string): string[] {
  if (values['cpu-prof']) return [process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`, ...hubArgs(peer, port)];
  const out = `--callgrind-out-file=${join(dir, `${peer}.out`)}`;
  return ['valgrind', '--tool=callgrind', '--separate-threads=yes', out, process.execPath, ...hubArgs(peer, port)];
}

/** Instructions per POST of the measured round (undefined with --cpu-prof). */
async function measure(peer: string, dir: string): Promise<{ main: number; all: number } | undefined> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const [file, ...args] = command(peer, port, dir);
  const child = spawn(file as string, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let subs: WebSocket[] = [];
  try {
    await waitHealthy(origin, child, 300_000);
    if (peer === 'herald') subs = await openSubscribers(origin, subscribers);
    for (let done = 0; done < warmup; done += requests) await postRound(origin, agent, 'bench-', requests);
    if (values['cpu-prof']) {
      for (let r = 0; r < Number(values.rounds); r++) await postRound(origin, agent, 'bench-', requests);
      child.kill('SIGTERM'); // the profile is written on a clean exit
      await new Promise((resolve) => child.once('exit', resolve));
      return undefined;
    }
    execFileSync('callgrind_control', ['-z', String(child.pid)], { stdio: 'ignore' });
    await postRound(origin, agent, values['new-channels'] ? 'fresh-' : 'bench-', requests);
    execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
    const counts = dumpedInstructions(dir, peer);
    return { main: counts.main / requests, all: counts.all / requests };
  } catch (error) {
    console.error(stderr);
    throw error;
  } finally {
    for (const ws of subs) ws.terminate();
    agent.destroy();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

const dir = mkdtempSync(join(tmpdir(), 'publish-callgrind-'));
const perPost: Record<string, { main: number; all: number }> = {};
const thousands = (n: number): string => Math.round(n).toLocaleString('en');
for (const peer of peers) {
  const counts = await measure(peer, dir);
  if (counts === undefined) continue;
  perPost[peer] = counts;
  console.log(
    `${peer}: ${thousands(counts.main)} instructions per POST on the main thread, ${thousands(counts.all)} on all`,
  );
}
const { herald, floor } = perPost;
if (herald !== undefined && floor !== undefined) {
  const ratio = (a: number, b: number): string => (a / b).toFixed(2);
  console.log(`herald / floor: ${ratio(herald.main, floor.main)} (main thread), ${ratio(herald.all, floor.all)} (all)`);
}
if (values.keep || values['cpu-prof']) console.log(`files in ${dir}`);
else rmSync(dir, { recursive: true, force: true });
