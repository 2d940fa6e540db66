import cluster from 'node:cluster';
import { errorText } from '../config/errors.ts';
import type { ServeConfig } from '../config/resolve.ts';
import type { CliIo } from '../io.ts';
import { apiKeysFor } from './api-keys.ts';
import {
  type FailedMessage,
  isMessage,
  type ListeningMessage,
  type ShutdownMessage,
  WORKER_SLOT_ENV,
} from './cluster-protocol.ts';
import { engineKind } from './engine.ts';
import { createLogger, type RunningNode, startNode } from './node.ts';
import { untilShutdown } from './shutdown.ts';

/** This process's slot (1..N) when a `herald serve --workers` primary forked it; undefined otherwise. */
export function workerSlot(): number | undefined {
  if (!cluster.isWorker) return undefined;
  const slot = Number(process.env[WORKER_SLOT_ENV]);
  return Number.isSafeInteger(slot) && slot >= 1 ? slot : undefined;
}

/**
 * One worker of a cluster: a full hub on the shared port, which prints nothing itself. It tells the
 * primary that it listens (the primary prints one start-up block for all) or why it could not start
 * (the primary prints that and exits), then runs until the primary or a signal stops it.
 */
export async function serveAsWorker(config: ServeConfig, io: CliIo, slot: number): Promise<number> {
  const shutdown = listenForShutdown();
  const logger = createLogger(config, io).child({ worker: slot });
  // The primary passes a generated key in HERALD_API_KEY, so every worker accepts the same one.
  const { keys } = apiKeysFor(config.apiKeys);
  let node: RunningNode | undefined;
  let demo: string | undefined;
  try {
    node = await startNode(config, { apiKeys: keys, logger, workerSlot: slot });
    logger.info({ url: node.url, engine: engineKind(config) }, 'listening');
    // Worker 1 publishes the demo traffic; it reaches the others' clients through the shared engine.
    if (config.demo && slot === 1) demo = await node.startDemo();
  } catch (error) {
    shutdown.stop();
    await node?.close().catch(() => {});
    await send({ type: 'herald:failed', message: errorText(error) } satisfies FailedMessage);
    return 1;
  }
  await send({ type: 'herald:listening', url: node.url, pages: node.pages, demo } satisfies ListeningMessage);
  return untilShutdown(shutdown.io(io), logger, config.server.shutdownTimeoutMs, node.close);
}

/** Sends to the primary and waits until the message is written: the worker may exit right after. */
function send(message: FailedMessage | ListeningMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

/**
 * The primary's shutdown request, heard from the start, so one sent while the worker is still starting
 * takes effect once it listens. `io(base)` is `base` whose `onSignal` also fires for that request, once,
 * and not at all after a real signal: Ctrl-C signals every process of the terminal, and the primary
 * passes it on too, which must count as one request, not as the "second signal" that cuts a shutdown short.
 */
function listenForShutdown() {
  let requested = false;
  let deliver: (() => void) | undefined;
  const onMessage = (message: unknown): void => {
    if (!isMessage<ShutdownMessage>(message, 'herald:shutdown') || requested) return;
    requested = true;
    deliver?.();
  };
  process.on('message', onMessage);
  const stop = () => {
    process.off('message', onMessage);
    deliver = undefined;
  };
  const io = (base: CliIo): CliIo => ({
    ...base,
    onSignal(handler) {
      const stopSignals = base.onSignal((signal) => {
        requested = true;
        handler(signal);
      });
      deliver = () => handler('SIGTERM');
      if (requested) setImmediate(deliver);
      return () => {
        stopSignals();
        stop();
      };
    },
  });
  return { io, stop };
}
