// Instructions per plain poll (scenario E, "polling", of docs/performance.md), counted by callgrind:
// robust to a noisy machine, where wrk's request rates are not. For each hub (the built Herald CLI
// with the bench's flags, and the node:http floor of bench/peers/http-floor.ts) it starts the hub
// under `valgrind --tool=callgrind`, publishes one message (Herald), sends `--warmup` GETs of each
// kind (the 200 page; the 304 answer to If-None-Match; in two halves, each followed by a few GET
// /healthz), then for each kind zeroes the counters, sends
// `--requests` GETs over `--conns` keep-alive connections (wrk's request: request line, Host, the
// conditional header), dumps the counters and prints the hub process's instructions per request
// (every thread of it: V8's compiler and GC threads work for the requests too), and in brackets those
// of its main thread (the event loop's, which bounds a hub's rate).
//
//   npm run build && node --import tsx bench/tools/poll-callgrind.ts [--hubs floor,herald]
//     [--requests 5000] [--warmup 5000] [--conns 16] [--origin https://a.example] [--herald-arg X]...
//     [--herald-bin bench/results/tmp/<copy>/packages/cli/bin/herald.js] [--keep]
//
// Herald runs from a copy of the built CLI taken at the start (bench/lib/herald-build.ts), or the
// `herald` command given with `--herald-bin` (e.g. such a copy of another build: a before/after). `--origin` adds an Origin header to every request (the browser case); `--herald-arg` passes a flag
// to `herald serve`. The requests that wake the hub for callgrind_control (GET /healthz, a few per
// measurement) fall inside the counted window: with 5,000 requests they move the figure by < 0.1 %.
// `--keep` keeps the dumps (one file per thread and dump: cg.<pid>.<n>-<thread>, the counted 200 is
// dump n = 1, the 304 n = 2) in the printed directory, for `callgrind_annotate --inclusive=yes <file>`.
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { snapshotHeraldBuild } from '../lib/herald-build.ts';
import { httpOnce } from '../lib/http-once.ts';
import { HERALD_BENCH_FLAGS } from '../lib/hub-command.ts';
import { freePort, threadTotals, waitHealthy } from './callgrind-support.ts';

const run = promisify(execFile);
const API_KEY = 'poll-callgrind-key';
const CHANNEL = 'poll';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}
const hubs = flag('hubs', 'floor,herald').split(',');
const requests = Number(flag('requests', '5000'));
const warmup = Number(flag('warmup', '5000'));
const conns = Number(flag('conns', '16'));
const origin = flag('origin', '');
const heraldBin = hubs.includes('herald') ? flag('herald-bin', '') || snapshotHeraldBuild('bench/results/tmp').bin : '';
const keep = process.argv.includes('--keep');
const heraldArgs = process.argv.flatMap((a, i) => (a === '--herald-arg' ? [process.argv[i + 1] as string] : []));

function hubArgs(hub: string, port: number, dir: string): string[] {
  if (hub === 'floor') {
    // The floor's source is plain JavaScript: run a copy as such, since tsx under valgrind takes minutes to load.
    const script = join(dir, 'http-floor.mjs');
    copyFileSync('bench/peers/http-floor.ts', script);
    return [script, '--port', String(port)];
  }
  return [
    heraldBin,
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--api-key',
    API_KEY,
    ...HERALD_BENCH_FLAGS,
    ...heraldArgs,
  ];
}

/**
 * Sends GETs over `conns` keep-alive sockets, one at a time on each, until `total` are answered;
 * rejects on any other status. A socket the hub closes (its 5 s keep-alive timer can fire while a
 * starved valgrind process had the next request waiting) is replaced, its unanswered request sent again.
 */
function drive(
  port: number,
  path: string,
  headers: Record<string, string>,
  total: number,
  status: number,
): Promise<void> {
  let extra = '';
  for (const [k, v] of Object.entries(headers)) extra += `${k}: ${v}\r\n`;
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}\r\n`);
  let asked = 0;
  let failed = false;
  return new Promise((resolve, reject) => {
    let open = 0;
    const start = (): void => {
      open++;
      const socket = connect(port, '127.0.0.1');
      let buffered = '';
      let waiting = false;
      const next = (): void => {
        if (asked >= total) {
          socket.end();
          return;
        }
        asked++;
        waiting = true;
        socket.write(request);
      };
      socket.on('connect', next);
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        buffered += chunk;
        for (;;) {
          const end = buffered.indexOf('\r\n\r\n');
          if (end === -1) return;
          const head = buffered.slice(0, end);
          // The body: Content-Length bytes, or chunks up to the last (the floor's 200 is chunked).
          let length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
          if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
            const last = buffered.indexOf('\r\n0\r\n\r\n', end + 2);
            if (last === -1) return;
            length = last + 7 - (end + 4);
          }
          if (buffered.length < end + 4 + length) return;
          const code = Number(head.slice(9, 12));
          if (code !== status) {
            failed = true;
            reject(new Error(`expected ${status}, got: ${head}`));
            socket.destroy();
            return;
          }
          buffered = buffered.slice(end + 4 + length);
          waiting = false;
          next();
        }
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        open--;
        if (waiting) asked--;
        if (failed) return;
        if (asked < total) start();
        else if (open === 0) resolve();
      });
    };
    for (let i = 0; i < Math.min(conns, total); i++) start();
  });
}

/** Runs a callgrind_control command, waking the hub with /healthz until it is done (a hub idle in epoll sees none). */
async function control(pid: number, option: string, base: string): Promise<void> {
  let done = false;
  const command = run('callgrind_control', [option, String(pid)]).finally(() => {
    done = true;
  });
  while (!done) {
    await httpOnce(`${base}/healthz`).catch(() => {});
    await new Promise((r) => setTimeout(r, 200));
  }
  await command;
}

/** The main-thread and all-thread totals of the process's last dump (one file per thread: cg.<pid>.<n>-<thread>). */
function lastDumpTotals(dir: string, pid: number): { main: number; all: number } {
  const files = readdirSync(dir).filter((f) => f.startsWith(`cg.${pid}.`) && /\.\d+-\d+$/.test(f));
  const dumpOf = (f: string): number => Number(/\.(\d+)-\d+$/.exec(f)?.[1]);
  const last = Math.max(...files.map(dumpOf));
  return threadTotals(files.filter((f) => dumpOf(f) === last).map((f) => join(dir, f)));
}

/** Instructions per request of each status: every thread's, and the main thread's. */
type Counts = Record<string, { main: number; all: number }>;

async function measure(hub: string): Promise<Counts> {
  const dir = mkdtempSync(join(tmpdir(), 'poll-callgrind-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--separate-threads=yes',
      `--callgrind-out-file=${join(dir, 'cg.%p')}`,
      process.execPath,
      ...hubArgs(hub, port, dir),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const pid = child.pid as number;
  const result: Counts = {};
  try {
    await waitHealthy(base, child, 600_000);
    const path = `/v1/channels/${CHANNEL}/messages`;
    if (hub !== 'floor') {
      const posted = await httpOnce(`${base}/v1/channels/${CHANNEL}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: `{"data":{"t":0,"pad":"${'x'.repeat(69)}"}}`,
      });
      if (posted.status !== 201) throw new Error(`publish answered ${posted.status}`);
    }
    const page = await httpOnce(`${base}${path}`);
    const etag = page.headers.etag;
    if (page.status !== 200 || etag === undefined) throw new Error(`GET answered ${page.status} without ETag`);
    const common: Record<string, string> = origin ? { Origin: origin } : {};
    const kinds = [
      [200, common],
      [304, { ...common, 'If-None-Match': etag }],
    ] as const;
    // Both kinds warm up before either is counted, in two rounds with GET /healthz (the wake-ups' request)
    // after each kind: code the requests and the wake-ups share is deoptimized for the wake-ups and
    // compiled again (on V8's background threads, counted too) before the first window, not in it. With
    // one round and no /healthz, the first wake-ups deoptimized node:http's writeHead and more, and the
    // recompilation fell in the windows: 13k of the floor's and Herald's 200, 2.3k of Herald's 304.
    for (let round = 0; round < 2; round++) {
      for (const [status, headers] of kinds) {
        await drive(port, path, headers, warmup / 2, status);
        for (let i = 0; i < 3; i++) await httpOnce(`${base}/healthz`);
      }
    }
    for (const [status, headers] of kinds) {
      await control(pid, '-z', base);
      await drive(port, path, headers, requests, status);
      await control(pid, '-d', base);
      const { main, all } = lastDumpTotals(dir, pid);
      result[status] = { main: main / requests, all: all / requests };
    }
  } catch (error) {
    process.stderr.write(stderr.slice(-2000));
    throw error;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (keep) console.log(`${hub} dumps in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

console.log(
  `instructions per request (callgrind; ${requests} after ${warmup} warm-up, ${conns} keep-alive connections${origin ? `, Origin ${origin}` : ''})`,
);
const figures: Record<string, Counts> = {};
const k = (n: number): string => `${(n / 1000).toFixed(1)}k`;
for (const hub of hubs) {
  const f = await measure(hub);
  figures[hub] = f;
  const floor = figures.floor;
  const column = (status: number): string => {
    const { main, all } = f[status] as Counts[string];
    const vs = floor && hub !== 'floor' ? ` (floor/hub ${((floor[status]?.all as number) / all).toFixed(2)})` : '';
    return `${status}: ${k(all)} [main ${k(main)}]${vs}`;
  };
  console.log(`${hub.padEnd(8)} ${column(200)}  ${column(304)}`);
}
