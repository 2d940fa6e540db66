/**
 * What the cluster primary (cluster.ts) and its workers (worker.ts) tell each other. Workers re-run the
 * same `herald serve` command line (node:cluster forks the same script), so the config is theirs
 * already; only what the primary decides travels, in the environment at fork and over IPC after.
 */

/** Set by the primary on each worker: the worker's slot, 1..N (a restarted worker keeps its slot). */
export const WORKER_SLOT_ENV = 'HERALD_CLUSTER_WORKER';

/** Worker -> primary: it listens; `demo` is its "Demo:" line when it runs the demo traffic. */
export interface ListeningMessage {
  readonly type: 'herald:listening';
  readonly url: string;
  readonly pages: boolean;
  readonly demo: string | undefined;
}

/** Worker -> primary: it could not start; `message` is what a single process would have printed. */
export interface FailedMessage {
  readonly type: 'herald:failed';
  readonly message: string;
}

/** Primary -> worker: shut down gracefully (as on SIGTERM). */
export interface ShutdownMessage {
  readonly type: 'herald:shutdown';
}

export type WorkerMessage = ListeningMessage | FailedMessage;

/** True for a message of `type` (IPC delivers anything a process sends; check before trusting). */
export function isMessage<T extends { type: string }>(value: unknown, type: T['type']): value is T {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === type;
}
