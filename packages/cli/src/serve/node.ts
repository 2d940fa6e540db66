import type { Bridges } from '@herald/bridges';
import { createHerald, type HeraldServer } from '@herald/server';
import { type Logger, pino } from 'pino';
import type { ServeConfig } from '../config/resolve.ts';
import { type InProcessDemo, startInProcessDemo } from '../demo/in-process.ts';
import { withDemoNamespaces } from '../demo/namespaces.ts';
import type { CliIo } from '../io.ts';
import { demoLine } from './banner.ts';
import { blobDirFor } from './blob-dir.ts';
import { bridgesForWorker } from './bridge-placement.ts';
import { findClientBundle } from './client-bundle.ts';
import { openEngine } from './engine.ts';
import { startHubBridges } from './hub-bridges.ts';
import { findWebDir } from './web-dir.ts';

/** The structured logger of `serve` (JSON lines on stdout, after the start-up block). */
export function createLogger(config: ServeConfig, io: CliIo): Logger {
  return pino({ name: 'herald', level: config.logLevel }, io.logDestination());
}

/** How this process runs its hub. */
export interface NodeOptions {
  readonly apiKeys: readonly string[];
  readonly logger: Logger;
  /** This process's slot (1..N) when it is a worker of `serve --workers`: it decides which bridges run here. */
  readonly workerSlot?: number;
}

/** A hub that listens. */
export interface RunningNode {
  readonly url: string;
  /** True when the demo pages and dashboard are served. */
  readonly pages: boolean;
  /**
   * With `--demo`: starts publishing the demo traffic from this node and resolves with the "Demo:"
   * and "Demo bridge:" start-up lines. Every node opens the demo namespaces, but only one should
   * publish the traffic.
   */
  startDemo(): Promise<string>;
  /** Stops the demo, then the bridges, then closes the hub (and its engine). */
  close(): Promise<void>;
}

/** Opens the engine, starts the hub and listens. */
export async function startNode(config: ServeConfig, options: NodeOptions): Promise<RunningNode> {
  const { logger, apiKeys } = options;
  // --demo opens the namespaces the demo pages write to.
  const namespaces = config.demo ? withDemoNamespaces(config.server.namespaces) : config.server.namespaces;
  const engine = await openEngine(config, logger, { defaults: config.server.defaultNamespace, named: namespaces });
  const clientBundlePath = config.server.clientBundlePath ?? findClientBundle();
  // Blobs live beside SQLite history (Redis or NATS: in it, shared by every node; memory: in memory).
  // The demo pages and dashboard, when web/dist is built in this checkout.
  const overrides = { blobDir: blobDirFor(config.data), namespaces, webDir: findWebDir() };
  let herald: HeraldServer;
  try {
    herald = createHerald({ ...config.server, ...overrides, clientBundlePath, engine, apiKeys: [...apiKeys], logger });
  } catch (error) {
    // A bad JWT key, say: release the engine (SQLite holds a file, Redis and NATS connections) before reporting.
    await engine.close();
    throw error;
  }
  let url: string;
  try {
    url = await herald.listen(config.port, config.host);
  } catch (error) {
    await herald.close();
    throw new Error(`cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
  }
  // Only once it listens: a node that cannot start (a busy port) must not take messages from a broker.
  const slot = options.workerSlot;
  const mine = slot === undefined ? config.bridges : bridgesForWorker(config.bridges, slot);
  let bridges: Bridges | undefined;
  try {
    bridges = startHubBridges(mine, herald, logger);
  } catch (error) {
    await herald.close();
    throw error;
  }
  let demo: InProcessDemo | undefined;
  return {
    url,
    pages: overrides.webDir !== undefined,
    startDemo: async () => {
      demo ??= await startInProcessDemo(herald, url, apiKeys[0] ?? '', logger);
      return demoLine(demo.video !== undefined) + demo.bridgeLine;
    },
    close: async () => {
      await demo?.stop();
      // Before the hub: the message in flight is stored and acked, the rest go back to the broker.
      await bridges?.close();
      await herald.close();
    },
  };
}
