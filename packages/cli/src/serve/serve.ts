import type { ServeConfig } from '../config/resolve.ts';
import type { CliIo } from '../io.ts';
import { apiKeysFor } from './api-keys.ts';
import { DEMO_WARNING, startupBlock } from './banner.ts';
import { bridgesLine } from './bridge-placement.ts';
import { runPrimary } from './cluster.ts';
import { describeHistory, engineKind } from './engine.ts';
import { createLogger, startNode } from './node.ts';
import { untilShutdown } from './shutdown.ts';
import { findDocsDir } from './web-dir.ts';
import { serveAsWorker, workerSlot } from './worker.ts';

/**
 * `herald serve`: one process that opens the engine, starts the hub, prints the start-up block (where
 * it listens, the API key, ...) on stderr, then runs until SIGTERM/SIGINT; or, with `--workers` above 1, a cluster primary whose
 * workers each do that (cluster.ts, worker.ts). Resolves with the exit code once it has shut down.
 */
export async function serve(config: ServeConfig, io: CliIo): Promise<number> {
  // Checked first: a worker resolves the same `--workers` as its primary from the same command line.
  const slot = workerSlot();
  if (slot !== undefined) return serveAsWorker(config, io, slot);
  // Once per hub (a cluster's primary prints it, not each worker), before the hub opens.
  if (config.demo) io.err(DEMO_WARNING);
  if (config.workers > 1) return runPrimary(config, io);
  const logger = createLogger(config, io);
  const apiKeys = apiKeysFor(config.apiKeys);
  const node = await startNode(config, { apiKeys: apiKeys.keys, logger });
  const demo = config.demo ? await node.startDemo() : undefined;
  io.err(
    startupBlock({
      url: node.url,
      host: config.host,
      apiKeys,
      history: describeHistory(config),
      bridges: bridgesLine(config.bridges),
      pages: node.pages,
      demo,
      docs: findDocsDir(),
      logLevel: config.logLevel,
    }),
  );
  // Signals are heard before 'listening' is logged: whoever reads that line may stop the hub at once,
  // and the log is written synchronously (a test's SIGTERM once beat the handler and killed the process).
  const stopped = untilShutdown(io, logger, config.server.shutdownTimeoutMs, node.close);
  logger.info({ url: node.url, engine: engineKind(config) }, 'listening');
  return stopped;
}
