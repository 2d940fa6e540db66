import { randomBytes } from 'node:crypto';
import { createHerald, type HeraldServer } from '@herald/server';
import { pino } from 'pino';
import type { ServeConfig } from '../config/resolve.ts';
import { startInProcessDemo } from '../demo/in-process.ts';
import { withDemoNamespaces } from '../demo/namespaces.ts';
import type { CliIo } from '../io.ts';
import { blobDirFor } from './blob-dir.ts';
import { findClientBundle } from './client-bundle.ts';
import { openEngine } from './engine.ts';
import { untilShutdown } from './shutdown.ts';
import { findWebDir } from './web-dir.ts';

/**
 * `herald serve`: opens the engine, starts the hub, prints where it listens and the API key, then
 * runs until SIGTERM/SIGINT. Resolves with the exit code once it has shut down.
 */
export async function serve(config: ServeConfig, io: CliIo): Promise<number> {
  const logger = pino({ name: 'herald', level: config.logLevel }, io.logDestination());
  const generated = config.apiKeys.length === 0;
  // 18 random bytes: 144 bits, 24 URL-safe characters, easy to paste into a curl command.
  const apiKeys = generated ? [randomBytes(18).toString('base64url')] : [...config.apiKeys];
  const { engine, description } = await openEngine(config.data, config.memory);
  const clientBundlePath = config.server.clientBundlePath ?? findClientBundle();
  // Blobs live beside SQLite history; --demo opens the namespaces the demo pages write to.
  const namespaces = config.demo ? withDemoNamespaces(config.server.namespaces) : config.server.namespaces;
  // The demo pages and dashboard, when web/dist is built in this checkout.
  const overrides = { blobDir: blobDirFor(config.data), namespaces, webDir: findWebDir() };
  let herald: HeraldServer;
  try {
    herald = createHerald({ ...config.server, ...overrides, clientBundlePath, engine, apiKeys, logger });
  } catch (error) {
    // A bad JWT key, say: release the engine (SQLite holds a file) before reporting.
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
  io.out(`Herald listening on ${url}${allInterfacesHint(config.host, url)}\n`);
  io.out(`API key: ${keyLine(apiKeys, generated)}\n`);
  io.out(`History: ${description}\n`);
  if (overrides.webDir !== undefined) io.out(`Pages: ${url}/ (demos) and ${url}/dashboard (needs the API key)\n`);
  logger.info({ url, engine: config.data === undefined ? 'memory' : 'sqlite' }, 'listening');
  const demo = config.demo ? await startInProcessDemo(herald, url, apiKeys[0] ?? '', logger) : undefined;
  if (demo !== undefined) {
    const video = demo.video === undefined ? 'no demo video' : 'blob demo-video stored';
    io.out(`Demo: simulated traffic on; ${video}; anonymous publish open on notifications, scores, chat, board\n`);
  }
  return untilShutdown(io, logger, config.server.shutdownTimeoutMs, async () => {
    await demo?.stop();
    await herald.close();
  });
}

function keyLine(keys: readonly string[], generated: boolean): string {
  const first = keys[0] ?? '';
  if (generated) return `${first} (generated for this run; set --api-key or HERALD_API_KEYS to keep one)`;
  // Configured keys are the operator's secrets: show enough to recognise them, not to use them.
  const shown = first.length >= 12 ? `${first.slice(0, 4)}…` : '****';
  return `${shown} (configured${keys.length > 1 ? `, ${keys.length} keys` : ''})`;
}

function allInterfacesHint(host: string, url: string): string {
  if (host !== '0.0.0.0' && host !== '::') return '';
  return ` (all interfaces; e.g. ${url.replace(/\/\/[^/]*:/, '//localhost:')})`;
}
