// What one idle connection costs the hub once garbage is gone, and what it is made of. Scenario C's
// "retained" columns read the hub after a full GC too (through its inspector, which also shrinks the
// young generation; bench/lib/inspector.ts); `gc()` here does not shrink it, so the first batch's RSS
// carries the young generation's growth (~30 MB): read the later batches. This tool starts
// `herald serve` with a small preload that, on SIGUSR2, runs two full GCs and records the heap and
// RSS (and, with --snapshot, writes a heap snapshot), opens the connections in batches from this
// process, and prints per batch:
//   - heap used per connection after a full GC (what the hub's own objects and node's hold);
//   - RSS per connection of the batch (native memory too: libuv, node's C++ socket objects, malloc;
//     not with --snapshot, whose writer grows RSS far more than the connections do).
// With --snapshot, the objects that appeared between the first and last snapshot are summed by
// constructor (V8's names; "(system)" and the like are V8's own), per connection.
//
//   npm run build && node --import tsx bench/tools/idle-memory.ts [--transport ws|sse|ndjson]
//     [--batches 3] [--batch 3000] [--snapshot] [--top 25] [--bin packages/cli/bin/herald.js] [-- hub flags]
//
// Raise `ulimit -n` above the connection count if needed (this process holds one end of each).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { hubCommand } from '../lib/hub-command.ts';
import { freePort, waitHealthy } from './callgrind-support.ts';

const { values, positionals } = parseArgs({
  options: {
    transport: { type: 'string', default: 'sse' },
    batches: { type: 'string', default: '3' },
    batch: { type: 'string', default: '3000' },
    snapshot: { type: 'boolean', default: false },
    top: { type: 'string', default: '25' },
    bin: { type: 'string', default: 'packages/cli/bin/herald.js' },
  },
  allowPositionals: true,
});
const transport = values.transport;
if (transport !== 'ws' && transport !== 'sse' && transport !== 'ndjson') {
  throw new Error(`--transport is ws, sse or ndjson, not ${transport}`);
}
const batches = Number(values.batches);
const batchSize = Number(values.batch);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'idle-memory-'));
const statsFile = join(dir, 'stats.jsonl');
// The preload: full GCs, then one line of figures, and a snapshot when asked.
const preload = join(dir, 'preload.cjs');
writeFileSync(
  preload,
  `const v8 = require('node:v8'); const fs = require('node:fs');
process.on('SIGUSR2', () => {
  globalThis.gc(); globalThis.gc();
  const m = process.memoryUsage();
  const snapshot = process.env.IDLE_MEMORY_SNAPSHOTS ? v8.writeHeapSnapshot(process.env.IDLE_MEMORY_SNAPSHOTS + '/' + Date.now() + '.heapsnapshot') : undefined;
  fs.appendFileSync(${JSON.stringify(statsFile)}, JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, snapshot }) + '\\n');
});
`,
);

interface Reading {
  rss: number;
  heapUsed: number;
  snapshot?: string;
}

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const { command, args } = hubCommand({
  peer: 'herald',
  port,
  apiKey: 'idle-memory-key',
  heraldArgs: positionals,
  heraldBin: values.bin,
  bunBin: undefined,
  tmpDir: dir,
  store: undefined,
});
// Node's own flags go before the script; the bench's hub command is otherwise used as it is.
const hub = spawn(command, ['--expose-gc', '--require', preload, ...args], {
  stdio: 'ignore',
  env: { ...process.env, IDLE_MEMORY_SNAPSHOTS: values.snapshot ? dir : '' },
});

/** Asks the hub for a reading and waits for its line (a snapshot of a big heap takes seconds). */
async function read(): Promise<Reading> {
  const lines = (): string[] => {
    try {
      return readFileSync(statsFile, 'utf8').trim().split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const before = lines().length;
  hub.kill('SIGUSR2');
  for (let waited = 0; waited < 120_000; waited += 100) {
    const now = lines();
    if (now.length > before) return JSON.parse(now[now.length - 1] as string) as Reading;
    await sleep(100);
  }
  throw new Error('the hub did not record a reading within 120 s');
}

/** Opens one idle connection of the transport; resolves once the hub has answered it. */
function open(i: number): Promise<unknown> {
  const path = `/v1/channels/idle-${i % 100}/messages`;
  if (transport === 'ws') {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  }
  const accept = transport === 'sse' ? 'text/event-stream' : 'application/x-ndjson';
  return new Promise((resolve, reject) => {
    const req = get(`${origin}${path}`, { headers: { accept }, agent: false }, (res) => {
      res.resume();
      resolve(res);
    });
    req.once('error', reject);
  });
}

const held: unknown[] = [];
try {
  await waitHealthy(origin, hub, 20_000);
  await sleep(500);
  const readings = [await read()];
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < batchSize; i += 100) {
      const n = Math.min(100, batchSize - i);
      held.push(...(await Promise.all(Array.from({ length: n }, (_, k) => open(held.length + k)))));
    }
    await sleep(1000);
    readings.push(await read());
  }
  console.log(`${transport}: ${batches} batches of ${batchSize} idle connections (after two full GCs each)`);
  console.log('batch | connections | heap used MB | heap KB per connection | RSS MB | RSS KB per connection');
  for (let b = 1; b < readings.length; b++) {
    const [prev, cur] = [readings[b - 1] as Reading, readings[b] as Reading];
    const kb = (bytes: number): string => (bytes / 1024 / batchSize).toFixed(2);
    const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);
    // Writing a snapshot grows the hub's RSS by far more than the connections: no RSS figures then.
    const rss = values.snapshot ? '- | -' : `${mb(cur.rss)} | ${kb(cur.rss - prev.rss)}`;
    console.log(`${b} | ${b * batchSize} | ${mb(cur.heapUsed)} | ${kb(cur.heapUsed - prev.heapUsed)} | ${rss}`);
  }
  if (values.snapshot) {
    const first = readings[0]?.snapshot;
    const last = readings[readings.length - 1]?.snapshot;
    if (first && last) printNewObjects(first, last, batches * batchSize, Number(values.top));
  }
} finally {
  hub.kill('SIGTERM');
  for (const c of held) {
    if (c instanceof WebSocket) c.terminate();
    else (c as { destroy(): void }).destroy();
  }
}
console.log(`files in ${dir}${values.snapshot ? ` (${readdirSync(dir).length - 2} snapshots)` : ''}`);
process.exit(0);

/** Sums the self size of the objects in `after` that `before` did not have, by constructor name. */
function printNewObjects(before: string, after: string, connections: number, top: number): void {
  const old = new Set(snapshotNodes(before).map((n) => n.id));
  const sums = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (const n of snapshotNodes(after)) {
    if (old.has(n.id)) continue;
    const key = `${n.type === 'object' || n.type === 'closure' ? '' : `(${n.type}) `}${n.name}`.slice(0, 60);
    const s = sums.get(key) ?? { bytes: 0, count: 0 };
    s.bytes += n.size;
    s.count++;
    sums.set(key, s);
    total += n.size;
  }
  console.log(`\nnew objects per connection: ${(total / connections).toFixed(0)} B in all`);
  console.log('bytes per connection | objects per connection | constructor');
  for (const [name, s] of [...sums].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
    console.log(
      `${(s.bytes / connections).toFixed(0).padStart(6)} | ${(s.count / connections).toFixed(2).padStart(5)} | ${name}`,
    );
  }
}

interface SnapshotNode {
  type: string;
  name: string;
  id: number;
  size: number;
}

/** The nodes of a .heapsnapshot file (its flat `nodes` array, read with the field layout it declares). */
function snapshotNodes(file: string): SnapshotNode[] {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [t, n, id, size] = ['type', 'name', 'id', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
    number,
  ];
  const nodes: SnapshotNode[] = [];
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    nodes.push({
      type: types[snap.nodes[i + t] as number] ?? '?',
      name: snap.strings[snap.nodes[i + n] as number] ?? '?',
      id: snap.nodes[i + id] as number,
      size: snap.nodes[i + size] as number,
    });
  }
  return nodes;
}
