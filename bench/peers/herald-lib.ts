// Herald without its CLI: createHerald + the in-memory engine, run from source with tsx.
// Lets the bench measure the hub before (or without) a build, and isolates the CLI's own
// setup (config, logging) from the hub when the two peers disagree.
import { MemoryEngine } from '@herald/core';
// The sources by path: a bare `@herald/server` resolves to the built dist under plain Node + tsx
// (the `herald-source` condition is off here; scripts/build-packages.mjs).
import { createHerald } from '../../packages/server/src/index.ts';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};

const herald = createHerald({
  engine: new MemoryEngine(),
  apiKeys: [arg('--api-key', 'bench-key')],
  // The per-client limits guard against abuse; one bench publisher is one principal at 10k+ msg/s,
  // and the load comes from a few addresses (same as the CLI peer's flags in bench/lib/hub-command.ts).
  maxConnectionsPerIp: 0,
  maxLongPollsPerIp: 0,
  maxPublishRatePerConnection: 0,
  maxPublishRatePerPrincipal: 0,
  maxWsOpsPerSecond: 0,
});
console.log(`herald (library) on ${await herald.listen(Number(arg('--port', '8080')), '127.0.0.1')}`);
process.once('SIGTERM', () => {
  void herald.close().finally(() => process.exit(0));
});
