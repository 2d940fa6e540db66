import { randomBytes } from 'node:crypto';
import type { Engine } from '@herald/core';
import type { HeraldInit } from '@herald/server';
import { deleteRedisPrefix, openRedisEngine, TEST_REDIS_URL } from './engines.ts';
import { startTestServer, type TestServer } from './server.ts';

/** Nodes of one cluster: hubs in this process, each with its own Redis engine on one key prefix. */
export interface TestCluster {
  readonly prefix: string;
  readonly nodes: TestServer[];
  /** Closes every node, then deletes the cluster's keys. */
  close(): Promise<void>;
}

/**
 * Starts `count` nodes on one Redis (a fresh key prefix). `wrap` may wrap a node's engine (a test
 * that drops notifications on purpose).
 */
export async function startCluster(
  count: number,
  options: Partial<HeraldInit> = {},
  wrap: (engine: Engine, node: number) => Engine = (engine) => engine,
): Promise<TestCluster> {
  const prefix = `herald-test-${randomBytes(4).toString('hex')}`;
  const nodes: TestServer[] = [];
  for (let i = 0; i < count; i++) {
    const { engine } = await openRedisEngine(prefix);
    nodes.push(await startTestServer({ ...options, engine: wrap(engine, i) }));
  }
  return {
    prefix,
    nodes,
    close: async () => {
      await Promise.all(nodes.map((n) => n.close()));
      await deleteRedisPrefix(TEST_REDIS_URL, prefix);
    },
  };
}
