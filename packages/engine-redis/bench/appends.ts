/**
 * Times 1000 appends on the local Redis: one after the other (a round trip each) and all at once
 * (node-redis pipelines them). Not a test; run with
 *   node --import tsx packages/engine-redis/bench/appends.ts
 */
import { RedisEngine } from '../src/redis-engine.ts';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../src/test-support.ts';

const N = 1000;
const RUNS = 3;
const LIMITS = { size: 1000, maxAgeMs: 3_600_000 };
const DATA = JSON.stringify({ user: 'ann', text: 'hello there', n: 42 });

async function time(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const prefix = uniquePrefix();
const engine = await RedisEngine.connect({ url: TEST_REDIS_URL, prefix });
const one = (channel: string, i: number, key?: string) =>
  engine.append(channel, [{ event: 'msg', data: DATA }], LIMITS, key === undefined ? undefined : `${key}-${i}`);
try {
  for (let i = 0; i < 200; i++) await one('warmup', i); // JIT, script cache, connection
  const cases: Array<[string, (run: number) => Promise<unknown>]> = [
    [
      'sequential, 1 channel',
      async (r) => {
        for (let i = 0; i < N; i++) await one(`seq${r}`, i);
      },
    ],
    ['concurrent, 1 channel', (r) => Promise.all(Array.from({ length: N }, (_, i) => one(`con${r}`, i)))],
    ['concurrent, 100 channels', (r) => Promise.all(Array.from({ length: N }, (_, i) => one(`m${r}-${i % 100}`, i)))],
    [
      'concurrent, 1 channel, idempotency keys',
      (r) => Promise.all(Array.from({ length: N }, (_, i) => one(`k${r}`, i, 'k'))),
    ],
  ];
  for (const [name, run] of cases) {
    const ms: number[] = [];
    for (let r = 0; r < RUNS; r++) ms.push(await time(() => run(r)));
    const per = ms.map((x) => ((x * 1000) / N).toFixed(0));
    console.log(`${name}: ${ms.map((x) => x.toFixed(0)).join(' / ')} ms for ${N} (${per.join(' / ')} µs each)`);
  }
} finally {
  await engine.close();
  await deletePrefix(prefix);
}
