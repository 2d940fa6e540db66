import { randomBytes } from 'node:crypto';
import type { Engine } from '@herald/core';
import type { HeraldInit } from '@herald/server';
import {
  deleteNatsPrefix,
  deleteRedisPrefix,
  openNatsEngine,
  openRedisEngine,
  TEST_NATS_URL,
  TEST_REDIS_URL,
} from './engines.ts';
import { startTestServer, type TestServer } from './server.ts';

/** The engines a cluster of hubs can share. */
export type ClusterEngine = 'redis' | 'nats';

/** Every shared engine, for tests that run once on each (`describe.each(CLUSTER_ENGINES)`). */
export const CLUSTER_ENGINES: readonly ClusterEngine[] = ['redis', 'nats'];

/** Nodes of one cluster: hubs in this process, each with its own engine on one Redis key prefix or NATS stream. */
export interface TestCluster {
  readonly prefix: string;
  readonly nodes: TestServer[];
  /** Closes every node, then deletes the cluster's keys or streams. */
  close(): Promise<void>;
}

/**
 * Starts `count` nodes on one Redis or NATS (a fresh prefix). `wrap` may wrap a node's engine (a test
 * that drops notifications on purpose).
 */
export async function startCluster(
  count: number,
  options: Partial<HeraldInit> = {},
  wrap: (engine: Engine, node: number) => Engine = (engine) => engine,
  kind: ClusterEngine = 'redis',
): Promise<TestCluster> {
  const prefix = `herald-test-${randomBytes(4).toString('hex')}`;
  const nodes: TestServer[] = [];
  for (let i = 0; i < count; i++) {
    const { engine } = kind === 'nats' ? await openNatsEngine(prefix) : await openRedisEngine(prefix);
    nodes.push(await startTestServer({ ...options, engine: wrap(engine, i) }));
  }
  return {
    prefix,
    nodes,
    close: async () => {
      await Promise.all(nodes.map((n) => n.close()));
      if (kind === 'nats') await deleteNatsPrefix(TEST_NATS_URL, prefix);
      else await deleteRedisPrefix(TEST_REDIS_URL, prefix);
    },
  };
}
