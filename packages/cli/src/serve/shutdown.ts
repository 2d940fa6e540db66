import type { Logger } from 'pino';
import type { CliIo } from '../io.ts';

/** Extra time past the hub's own grace period before a stuck shutdown is cut short. */
export const SHUTDOWN_MARGIN_MS = 2_000;

/**
 * Resolves with the exit code once a SIGTERM/SIGINT has shut the hub down: 0 when `close` finished,
 * 1 when it failed, took longer than `graceMs` + {@link SHUTDOWN_MARGIN_MS}, or a second signal came
 * (an operator pressing Ctrl-C twice wants out now).
 */
export function untilShutdown(io: CliIo, logger: Logger, graceMs: number, close: () => Promise<void>) {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stopListening = io.onSignal((signal) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        finish(1);
        return;
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const boundMs = graceMs + SHUTDOWN_MARGIN_MS;
      const timer = setTimeout(() => {
        logger.error({ boundMs }, 'shutdown took too long: exiting');
        finish(1);
      }, boundMs);
      close().then(
        () => {
          clearTimeout(timer);
          logger.info('stopped');
          finish(0);
        },
        (error: unknown) => {
          clearTimeout(timer);
          logger.error({ err: error }, 'shutdown failed');
          finish(1);
        },
      );
    });
    function finish(code: number): void {
      stopListening();
      resolve(code);
    }
  });
}
