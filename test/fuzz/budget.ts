import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';

/**
 * The fuzz budget. CI: a fixed seed, a few hundred runs, and a hard cap of 5 s per fuzz test (three
 * tests, so the whole pass stays under 20 s). Locally `npm run fuzz` sets FUZZ_RUNS (e.g. 20000);
 * FUZZ_SEED picks another seed and FUZZ_MS another time cap. A failure prints the seed and the path
 * that replay it (`FUZZ_SEED=<seed>`, and fast-check's `path` in the report).
 */
export const FUZZ = {
  seed: Number(process.env.FUZZ_SEED ?? 20_251_130),
  numRuns: Number(process.env.FUZZ_RUNS ?? 300),
  interruptAfterTimeLimit: Number(process.env.FUZZ_MS ?? (process.env.FUZZ_RUNS === undefined ? 5_000 : 600_000)),
  markInterruptAsFailure: false,
} as const;

/** Vitest timeout for one fuzz test: the time cap plus room for start-up and the health check. */
export const FUZZ_TEST_TIMEOUT = FUZZ.interruptAfterTimeLimit + 30_000;

/** A pino logger that keeps every line at level error or above, to prove no internal error happened. */
export function errorLog(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger: Logger = pino({ level: 'error' }, sink);
  return { logger, lines };
}
