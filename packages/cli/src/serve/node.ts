import { createHerald, type HeraldServer } from '@herald/server';
import { type Logger, pino } from 'pino';
import type { ServeConfig } from '../config/resolve.ts';
import { type InProcessDemo, startInProcessDemo } from '../demo/in-process.ts';
import { withDemoNamespaces } from '../demo/namespaces.ts';
import type { CliIo } from '../io.ts';
import { demoLine } from './banner.ts';
import { blobDirFor } from './blob-dir.ts';
import { findClientBundle } from './client-bundle.ts';
import { openEngine } from './engine.ts';
import { findWebDir } from './web-dir.ts';

/** The structured logger of `serve` (JSON lines on stdout, after the start-up block). */
export function createLogger(config: ServeConfig, io: CliIo): Logger {
  return pino({ name: 'herald', level: config.logLevel }, io.logDestination());
}

/** How this process runs its hub. */
export interface NodeOptions {
  readonly apiKeys: readonly string[];
  readonly logger: Logger;
}

/** A hub that listens. */
export interface RunningNode {
  readonly url: string;
  /** True when the demo pages and dashboard are served. */
  readonly pages: boolean;
  /**
   * With `--demo`: starts publishing the demo traffic from this node and resolves with the "Demo:"
   * start-up line. Every node opens the demo namespaces, but only one should publish the traffic.
   */
  startDemo(): Promise<string>;
  /** Stops the demo, then closes the hub (and its engine). */
  close(): Promise<void>;
}

/** Opens the engine, starts the hub and listens. */
export async function startNode(config: ServeConfig, options: NodeOptions): Promise<RunningNode> {
  const { logger, apiKeys } = options;
  const engine = await openEngine(config, logger);
  const clientBundlePath = config.server.clientBundlePath ?? findClientBundle();
  // Blobs live beside SQLite history (Redis: in Redis, shared; memory: in memory); --demo opens the
  // namespaces the demo pages write to.
  const namespaces = config.demo ? withDemoNamespaces(config.server.namespaces) : config.server.namespaces;
  // The demo pages and dashboard, when web/dist is built in this checkout.
  const overrides = { blobDir: blobDirFor(config.data), namespaces, webDir: findWebDir() };
  let herald: HeraldServer;
  try {
    herald = createHerald({ ...config.server, ...overrides, clientBundlePath, engine, apiKeys: [...apiKeys], logger });
  } catch (error) {
    // A bad JWT key, say: release the engine (SQLite holds a file, Redis connections) before reporting.
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
  let demo: InProcessDemo | undefined;
  return {
    url,
    pages: overrides.webDir !== undefined,
    startDemo: async () => {
      demo ??= await startInProcessDemo(herald, url, apiKeys[0] ?? '', logger);
      return demoLine(demo.video !== undefined);
    },
    close: async () => {
      await demo?.stop();
      await herald.close();
    },
  };
}
