/*
 * Append and read costs of the NATS engine against a real server (not a test):
 *   npx tsx packages/engine-nats/src/bench/appends.ts [nats://127.0.0.1:4222]
 * Prints one line per case: total time, appends/s, latency p50/p99 of one call. Uses a stream of its
 * own and deletes it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { createHistogram } from 'node:perf_hooks';
import type { AppendInput } from '@herald/core';
import { NatsEngine } from '../nats-engine.ts';
import { deletePrefix } from '../test-support.ts';

const url = process.argv[2] ?? process.env.HERALD_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const LIMITS = { size: 1000, maxAgeMs: 3_600_000 };
let N = 1000;
const CHANNELS = 50;

function payload(i: number): AppendInput[] {
  return [{ event: undefined, data: JSON.stringify({ i, text: 'x'.repeat(100) }) }];
}

/** Runs `call(i)` for i < N, `concurrent` at once or one after the other; prints the figures. */
async function measure(name: string, concurrent: boolean, call: (i: number) => Promise<unknown>): Promise<void> {
  const histogram = createHistogram();
  const timed = async (i: number) => {
    const started = process.hrtime.bigint();
    await call(i);
    histogram.record(Number(process.hrtime.bigint() - started) || 1);
  };
  const started = performance.now();
  if (concurrent) await Promise.all(Array.from({ length: N }, (_, i) => timed(i)));
  else for (let i = 0; i < N; i++) await timed(i);
  const ms = performance.now() - started;
  const p = (q: number) => (histogram.percentile(q) / 1e6).toFixed(2);
  const rate = Math.round((N / ms) * 1000);
  console.log(
    `${name.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms ${String(rate).padStart(6)}/s  p50 ${p(50)} ms  p99 ${p(99)} ms`,
  );
}

const prefix = `herald-bench-${randomBytes(4).toString('hex')}`;
const engine = await NatsEngine.connect({ url, prefix });
try {
  const tag = randomBytes(2).toString('hex');
  await measure('1000 sequential appends, 1 channel', false, (i) => engine.append(`one-${tag}`, payload(i), LIMITS));
  await measure('1000 concurrent appends, 1 channel', true, (i) => engine.append(`two-${tag}`, payload(i), LIMITS));
  await measure('1000 sequential appends, 50 channels', false, (i) =>
    engine.append(`seq-${i % CHANNELS}`, payload(i), LIMITS),
  );
  await measure('1000 concurrent appends, 50 channels', true, (i) =>
    engine.append(`conc-${i % CHANNELS}`, payload(i), LIMITS),
  );
  await measure('1000 sequential keyed appends, 1 channel', false, (i) =>
    engine.append(`keyed-${tag}`, payload(i), LIMITS, `k${i}`),
  );
  // Reads on a node that has seen nothing: every offset is found by seeking in the stream.
  const cold = await NatsEngine.connect({ url, prefix });
  try {
    await measure('1000 states, 50 channels (cold node)', false, (i) => cold.state(`seq-${i % CHANNELS}`, LIMITS));
    await measure('1000 reads of 10 at random offsets, 50 channels', false, (i) =>
      cold.read(`conc-${i % CHANNELS}`, 1 + Math.floor(Math.random() * 10), 10, LIMITS),
    );
    await measure('1000 reads of 10 at random offsets, 1 channel', false, () =>
      cold.read(`one-${tag}`, 1 + Math.floor(Math.random() * 990), 10, LIMITS),
    );
    await measure('1000 reads of 100 at random offsets, 1 channel', false, () =>
      cold.read(`one-${tag}`, 1 + Math.floor(Math.random() * 900), 100, LIMITS),
    );
  } finally {
    await cold.close();
  }
  // A node that has seen nothing at all (no hints): each read seeks its start offset by direct gets.
  N = 100;
  const fresh: NatsEngine[] = [];
  for (let i = 0; i < N; i++) fresh.push(await NatsEngine.connect({ url, prefix }));
  await measure('100 reads of 10 at random offsets, new node each', false, (i) =>
    (fresh[i] as NatsEngine).read(`one-${tag}`, 1 + Math.floor(Math.random() * 990), 10, LIMITS),
  );
  for (const e of fresh) await e.close();
} finally {
  await engine.close();
  await deletePrefix(prefix, url);
}
