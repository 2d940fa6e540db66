// What Herald's history costs in Redis (docs/scaling.md "Sizing Redis"): bytes per message
// and per channel (MEMORY USAGE of the run's own keys), per idempotency key, and Redis CPU per append
// (INFO commandstats for the script, the redis-server process's CPU for everything). Runs one
// `herald serve --redis` with a fresh key prefix on the bench's Redis, publishes through its HTTP API,
// and deletes the prefix's keys at the end. Nothing is flushed, reset or reconfigured: the Redis is shared.
//   npm run build && node --import tsx bench/tools/redis-sizing.ts [--redis URL] [--appends 5000]
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { RedisEngine } from '@herald/engine-redis';
import { createClient } from 'redis';
import { installCleanup } from '../lib/children.ts';
import { HERALD_BIN } from '../lib/herald-build.ts';
import { type Hub, startHub, stopHub } from '../lib/hub.ts';
import { LatencyRecorder, nowMs, summarize } from '../lib/latency.ts';
import { cpuDelta, cpuTime } from '../lib/procfs.ts';
import { parseInfo, redisMissing, redisSummary, withRedis } from '../lib/redis.ts';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const REDIS = arg('--redis', 'redis://127.0.0.1:6379');
const APPENDS = Number(arg('--appends', '5000'));
const HISTORY = 1000; // the default history size (messages a channel keeps)
const CHANNELS = 1000;
const LISTENING_NODES = 10;
const API_KEY = 'bench-key';
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/** JSON data of about `bytes` bytes, as the bench's messages: {"t":…,"pad":"xxx…"}. */
const data = (bytes: number): string => `{"t":${Date.now()},"pad":"${'x'.repeat(Math.max(0, bytes - 27))}"}`;

function post(hub: Hub, path: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${hub.origin}${path}`, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode === 201 || res.statusCode === 200 ? resolve(1) : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `count` jobs, `width` at a time. */
async function inParallel(count: number, width: number, job: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

/** Nodes that listen to `channel`: Redis clients subscribed to its notifications, as a node's feed is. */
async function listeners(count: number, prefix: string, channel: string): Promise<Array<() => void>> {
  const out: Array<() => void> = [];
  for (let i = 0; i < count; i++) {
    const client = createClient({ url: REDIS });
    client.on('error', () => {});
    await client.connect();
    await client.sSubscribe(`${prefix}:{${channel}}:n`, () => {});
    out.push(() => client.destroy());
  }
  return out;
}

type Client = Parameters<Parameters<typeof withRedis>[1]>[0];

async function memoryUsage(client: Client, pattern: string): Promise<{ keys: number; bytes: number }> {
  let keys = 0;
  let bytes = 0;
  for await (const batch of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
    for (const key of batch) {
      keys++;
      bytes += Number(await client.sendCommand(['MEMORY', 'USAGE', key, 'SAMPLES', '0']));
    }
  }
  return { keys, bytes };
}

async function scriptStats(client: Client): Promise<{ calls: number; usec: number }> {
  const line = parseInfo(await client.info('commandstats')).get('cmdstat_evalsha') ?? '';
  const field = (name: string): number => Number(new RegExp(`${name}=(\\d+)`).exec(line)?.[1] ?? 0);
  return { calls: field('calls'), usec: field('usec') };
}

async function main(): Promise<void> {
  installCleanup();
  const missing = await redisMissing(REDIS);
  if (missing) {
    console.log(`redis-sizing skipped: ${missing}`);
    return;
  }
  const redisInfo = await redisSummary(REDIS);
  const hub = await startHub({
    peer: 'herald-redis',
    cpus: undefined,
    apiKey: API_KEY,
    heraldArgs: [],
    redisUrl: REDIS,
    natsUrl: '',
    heraldBin: HERALD_BIN,
    bunBin: undefined,
  });
  const prefix = hub.store?.prefix ?? '';
  const redisPid = hub.store?.pid;
  const results: Record<string, unknown> = { date: new Date().toISOString(), redis: redisInfo, prefix };
  try {
    await withRedis(REDIS, async (client) => {
      const usedBefore = Number(parseInfo(await client.info('memory')).get('used_memory'));
      // 1. A full history of one channel, at two message sizes: slope = bytes per data byte, rest = overhead.
      const perMessage: Record<string, number> = {};
      for (const size of [100, 1000]) {
        const channel = `hist${size}`;
        for (let i = 0; i < (2 * HISTORY) / 100; i++) {
          await post(
            hub,
            `/v1/channels/${channel}/messages`,
            `[${Array.from({ length: 100 }, () => `{"data":${data(size)}}`).join(',')}]`,
          );
        }
        const stream = await memoryUsage(client, `${prefix}:{${channel}}:s`);
        perMessage[`${size} B data`] = stream.bytes / HISTORY;
      }
      results.bytesPerMessageInHistory = perMessage;
      // 2. Many channels with one message each: the fixed cost of a channel (meta hash + stream).
      for (let i = 0; i < CHANNELS / 100; i++) {
        const items = Array.from({ length: 100 }, (_, j) => `{"channel":"ch${i * 100 + j}","data":${data(100)}}`);
        await post(hub, '/v1/publish', `{"messages":[${items.join(',')}]}`);
      }
      const channels = await memoryUsage(client, `${prefix}:{ch*}:*`);
      results.bytesPerChannelWithOneMessage = channels.bytes / CHANNELS;
      for (let round = 0; round < 9; round++) {
        for (let i = 0; i < CHANNELS / 100; i++) {
          const items = Array.from({ length: 100 }, (_, j) => `{"channel":"ch${i * 100 + j}","data":${data(100)}}`);
          await post(hub, '/v1/publish', `{"messages":[${items.join(',')}]}`);
        }
      }
      results.bytesPerChannelWithTenMessages = {
        meta: (await memoryUsage(client, `${prefix}:{ch*}:m`)).bytes / CHANNELS,
        stream: (await memoryUsage(client, `${prefix}:{ch*}:s`)).bytes / CHANNELS,
      };
      // 3. Idempotency keys: one per keyed publish, kept for the channel's max age (1 h by default).
      await inParallel(1000, 16, (i) =>
        post(hub, '/v1/channels/idem/messages', `{"data":${data(100)}}`, {
          'idempotency-key': `order-${i}-${'k'.repeat(20)}`,
        }),
      );
      const idem = await memoryUsage(client, `${prefix}:{idem}:i:*`);
      results.bytesPerIdempotencyKey = idem.keys > 0 ? idem.bytes / idem.keys : Number.NaN;
      const usedAfter = Number(parseInfo(await client.info('memory')).get('used_memory'));
      results.usedMemoryDelta = { bytes: usedAfter - usedBefore, note: 'shared Redis: other users count too' };
      // 4. CPU per append: single POSTs (16 in flight), then batches of 100, to a channel nobody listens to;
      // then single POSTs again with 10 nodes listening, so that Redis also sends 10 copies of each notification.
      for (const [name, batch, listening] of [
        ['single', 1, 0],
        ['batch of 100', 100, 0],
        ['single, 10 nodes listening', 1, LISTENING_NODES],
      ] as const) {
        const requests = batch === 1 ? APPENDS : Math.ceil(APPENDS / 10);
        const channel = `cpu${batch}n${listening}`;
        const nodes = await listeners(listening, prefix, channel);
        const scriptStart = await scriptStats(client);
        const cpuStart = redisPid === undefined ? undefined : cpuTime(redisPid);
        const started = nowMs();
        const body =
          batch === 1
            ? `{"data":${data(100)}}`
            : `[${Array.from({ length: batch }, () => `{"data":${data(100)}}`).join(',')}]`;
        await inParallel(requests, 16, () => post(hub, `/v1/channels/${channel}/messages`, body));
        const seconds = (nowMs() - started) / 1000;
        for (const close of nodes) close();
        const scriptEnd = await scriptStats(client);
        const cpu =
          cpuStart === undefined || redisPid === undefined ? undefined : cpuDelta(cpuStart, cpuTime(redisPid));
        const messages = requests * batch;
        const calls = scriptEnd.calls - scriptStart.calls;
        results[`append ${name}`] = {
          messages,
          requests,
          messagesPerSec: messages / seconds,
          scriptCalls: calls,
          scriptUsPerCall: (scriptEnd.usec - scriptStart.usec) / Math.max(1, calls),
          scriptUsPerMessage: (scriptEnd.usec - scriptStart.usec) / messages,
          redisProcessUsPerMessage: cpu ? ((cpu.user + cpu.system) * 1e6) / messages : Number.NaN,
          redisProcessShare: cpu ? (cpu.user + cpu.system) / seconds : Number.NaN,
          note:
            calls === requests
              ? 'script calls = our requests'
              : `script calls ${calls} ≠ our ${requests}: other users ran scripts meanwhile`,
        };
      }
      // 5. Position checks: every node reads the state of each channel it watches on every stream heartbeat
      // (15 s), in pipelines of up to 1,000 channels (Hub.checkPositions). Timed here on the engine itself.
      const engine = await RedisEngine.connect({ url: REDIS, prefix });
      try {
        const requests = Array.from({ length: CHANNELS }, (_, i) => ({
          channel: `ch${i}`,
          limits: { size: HISTORY, maxAgeMs: 3_600_000 },
        }));
        await engine.states(requests); // scripts loaded, connection warm
        const rounds = 20;
        const scriptStart = await scriptStats(client);
        const cpuStart = redisPid === undefined ? undefined : cpuTime(redisPid);
        const wall = new LatencyRecorder();
        for (let i = 0; i < rounds; i++) {
          const t = nowMs();
          await engine.states(requests);
          wall.record(nowMs() - t);
        }
        const scriptEnd = await scriptStats(client);
        const cpu =
          cpuStart === undefined || redisPid === undefined ? undefined : cpuDelta(cpuStart, cpuTime(redisPid));
        const checks = rounds * CHANNELS;
        results.positionCheck = {
          channelsPerCheck: CHANNELS,
          checkWallMs: summarize([wall.drain()]),
          scriptUsPerChannel: (scriptEnd.usec - scriptStart.usec) / checks,
          redisProcessUsPerChannel: cpu ? ((cpu.user + cpu.system) * 1e6) / checks : Number.NaN,
          note:
            scriptEnd.calls - scriptStart.calls === checks
              ? 'script calls = our checks'
              : `script calls ${scriptEnd.calls - scriptStart.calls} ≠ our ${checks}: other users ran scripts meanwhile`,
        };
      } finally {
        await engine.close();
      }
      // 6. Round trip of a PING on this connection: the floor of what the Redis hop adds to a publish.
      const rtt = new LatencyRecorder();
      for (let i = 0; i < 2000; i++) {
        const t = nowMs();
        await client.ping();
        rtt.record(nowMs() - t);
      }
      results.pingRttMs = summarize([rtt.drain()]);
    });
  } finally {
    const stopped = await stopHub(hub);
    results.cleanup = stopped.storeCleanup;
    agent.destroy();
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = `bench/results/${stamp}-redis-sizing.json`;
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
  console.log(`written to ${file}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
