import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { ServeConfig } from '../config/resolve.ts';
import type { CliIo } from '../io.ts';
import { type ApiKeys, apiKeysFor } from './api-keys.ts';
import { startupBlock } from './banner.ts';
import { bridgesLine } from './bridge-placement.ts';
import {
  type FailedMessage,
  isMessage,
  type ListeningMessage,
  type ShutdownMessage,
  WORKER_SLOT_ENV,
} from './cluster-protocol.ts';
import { describeHistory, engineKind } from './engine.ts';
import { createLogger } from './node.ts';
import { SHUTDOWN_MARGIN_MS } from './shutdown.ts';
import { findDocsDir } from './web-dir.ts';

/** First pause before a crashed worker is restarted, in ms; it doubles for each crash in a row. */
const RESTART_DELAY_MS = 250;
/** Longest pause between restarts of one slot, in ms. */
const MAX_RESTART_DELAY_MS = 10_000;
/** A worker that ran this long before it died starts the backoff over, in ms. */
const STABLE_MS = 10_000;
/** The primary waits this much longer than a worker's own shutdown bound before killing it, in ms. */
const PRIMARY_MARGIN_MS = 1_000;

/** One place in the cluster; a restarted worker takes its dead predecessor's slot. */
interface Slot {
  readonly id: number;
  worker: Worker | undefined;
  /** What its worker said once it listened; undefined until then. */
  listening: ListeningMessage | undefined;
  listeningSince: number;
  crashes: number;
  restart: NodeJS.Timeout | undefined;
}

type Phase = 'starting' | 'running' | 'stopping';

/**
 * `herald serve --workers N`: this process becomes a node:cluster primary that serves nothing itself.
 * It forks N workers, each a full hub on the shared engine, which share the listening port (the primary
 * accepts connections and hands them out round-robin). It prints one start-up block once every worker
 * listens, restarts a worker that dies, and on SIGTERM/SIGINT stops them all and exits once they are
 * gone. A worker that cannot start stops the whole start with its message (restarting it would loop).
 */
export function runPrimary(config: ServeConfig, io: CliIo): Promise<number> {
  return new Primary(config, io, createLogger(config, io).child({ role: 'primary' })).run();
}

class Primary {
  private readonly slots: Slot[];
  private readonly apiKeys: ApiKeys;
  private phase: Phase = 'starting';
  private failed = false;
  private stopTimer: NodeJS.Timeout | undefined;
  private finish: (code: number) => void = () => {};

  constructor(
    private readonly config: ServeConfig,
    private readonly io: CliIo,
    private readonly logger: Logger,
  ) {
    // Generated once here and handed to every worker: a client's key must work on whichever it reaches.
    this.apiKeys = apiKeysFor(config.apiKeys);
    this.slots = Array.from({ length: config.workers }, (_, i) => ({
      id: i + 1,
      worker: undefined,
      listening: undefined,
      listeningSince: 0,
      crashes: 0,
      restart: undefined,
    }));
  }

  run(): Promise<number> {
    return new Promise((resolve) => {
      const stopSignals = this.io.onSignal((signal) => this.onSignal(signal));
      this.finish = (code) => {
        stopSignals();
        clearTimeout(this.stopTimer);
        resolve(code);
      };
      // Round-robin on every platform (it is the default except on Windows): the point is to spread load.
      cluster.schedulingPolicy = cluster.SCHED_RR;
      for (const slot of this.slots) this.fork(slot);
    });
  }

  private fork(slot: Slot): void {
    slot.restart = undefined;
    slot.listening = undefined;
    const env: Record<string, string> = { [WORKER_SLOT_ENV]: String(slot.id) };
    if (this.apiKeys.generated) env.HERALD_API_KEY = this.apiKeys.keys.join(',');
    const worker = cluster.fork(env);
    slot.worker = worker;
    let failure: string | undefined;
    let exit: { code: number | null; signal: string | null } | undefined;
    let disconnected = false;
    // Decided once the process has exited and its IPC channel is drained, so that the reason a worker
    // sends just before it exits has been read.
    const settle = () => {
      if (exit !== undefined && disconnected) this.onExit(slot, worker, exit.code, exit.signal, failure);
    };
    worker.on('message', (message: unknown) => {
      if (isMessage<ListeningMessage>(message, 'herald:listening')) this.onListening(slot, worker, message);
      else if (isMessage<FailedMessage>(message, 'herald:failed')) failure = message.message;
    });
    worker.on('exit', (code: number | null, signal: string | null) => {
      exit = { code, signal };
      settle();
    });
    worker.on('disconnect', () => {
      disconnected = true;
      settle();
    });
  }

  private onListening(slot: Slot, worker: Worker, message: ListeningMessage): void {
    slot.listening = message;
    slot.listeningSince = Date.now();
    if (this.phase === 'running') {
      this.logger.info({ worker: slot.id, workerPid: worker.process.pid }, 'worker restarted');
      return;
    }
    if (this.phase !== 'starting' || !this.slots.every((s) => s.listening !== undefined)) return;
    this.phase = 'running';
    this.io.err(
      startupBlock({
        url: message.url,
        host: this.config.host,
        apiKeys: this.apiKeys,
        history: describeHistory(this.config),
        workers: this.slots.length,
        bridges: bridgesLine(this.config.bridges, this.slots.length),
        pages: message.pages,
        // Worker 1 runs the demo traffic and says so.
        demo: this.slots[0]?.listening?.demo,
        docs: findDocsDir(),
        logLevel: this.config.logLevel,
      }),
    );
    const pids = this.slots.map((s) => s.worker?.process.pid);
    this.logger.info({ url: message.url, engine: engineKind(this.config), workers: pids }, 'cluster listening');
  }

  private onExit(slot: Slot, worker: Worker, code: number | null, signal: string | null, failure?: string): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    const how = signal === null ? `code ${code}` : `signal ${signal}`;
    if (this.phase === 'stopping') {
      if (code !== 0) this.failed = true;
      if (this.slots.every((s) => s.worker === undefined)) this.stopped();
      return;
    }
    if (this.phase === 'starting') {
      // A bad config, a busy port, an unreachable Redis: every restart would fail the same way.
      this.io.err(`${failure ?? `herald: worker ${slot.id} exited with ${how} before it listened`}\n`);
      this.failed = true;
      this.stop();
      return;
    }
    const ranFor = slot.listening !== undefined ? Date.now() - slot.listeningSince : 0;
    slot.crashes = ranFor >= STABLE_MS ? 1 : slot.crashes + 1;
    const delayMs = Math.min(MAX_RESTART_DELAY_MS, RESTART_DELAY_MS * 2 ** (slot.crashes - 1));
    const fields = { worker: slot.id, workerPid: worker.process.pid, exit: how, reason: failure, restartInMs: delayMs };
    this.logger.error(fields, 'worker died: restarting it');
    slot.restart = setTimeout(() => this.fork(slot), delayMs);
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.phase === 'stopping') {
      // An operator pressing Ctrl-C twice wants out now.
      this.logger.warn({ signal }, 'second signal: killing the workers');
      this.kill();
      this.finish(1);
      return;
    }
    this.logger.info({ signal }, 'shutting down');
    this.stop();
  }

  /** Asks every worker to shut down gracefully and waits for them, within their own bound plus a margin. */
  private stop(): void {
    this.phase = 'stopping';
    for (const slot of this.slots) {
      clearTimeout(slot.restart);
      slot.restart = undefined;
      const worker = slot.worker;
      if (worker === undefined) continue;
      // A message rather than a signal: see listenForShutdown in worker.ts.
      if (worker.isConnected()) worker.send({ type: 'herald:shutdown' } satisfies ShutdownMessage);
      else worker.process.kill('SIGTERM');
    }
    if (this.slots.every((s) => s.worker === undefined)) {
      this.stopped();
      return;
    }
    const boundMs = this.config.server.shutdownTimeoutMs + SHUTDOWN_MARGIN_MS + PRIMARY_MARGIN_MS;
    this.stopTimer = setTimeout(() => {
      this.logger.error({ boundMs }, 'workers took too long to stop: killing them');
      this.kill();
      this.finish(1);
    }, boundMs);
  }

  /** Every worker is gone: exit 1 if any failed (at start or while stopping), else 0. */
  private stopped(): void {
    if (!this.failed) this.logger.info('stopped');
    this.finish(this.failed ? 1 : 0);
  }

  private kill(): void {
    for (const slot of this.slots) slot.worker?.process.kill('SIGKILL');
  }
}
