import { z } from 'zod';
import { setting } from './setting.ts';

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const WORKERS_ERROR = 'expected a positive integer (processes) or auto (one per core)';
const workers = z.union(
  [z.int({ error: WORKERS_ERROR }).min(1, { error: WORKERS_ERROR }), z.literal('auto', { error: WORKERS_ERROR })],
  { error: WORKERS_ERROR },
);

/** The processes that serve, and what they log. */
export const PROCESS = {
  workers: setting(workers, {
    default: 1,
    cli: {
      // A number or `auto`: convert() turns digits into a number and leaves `auto` for the schema.
      flags: '--workers <n|auto>',
      env: 'HERALD_WORKERS',
      kind: 'number',
      help: 'worker processes sharing the port (auto = one per core); more than 1 needs --redis or --nats',
    },
  }),
  logLevel: setting(z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }), {
    default: 'info',
    cli: {
      flags: '--log-level <level>',
      env: 'HERALD_LOG_LEVEL',
      kind: 'text',
      help: 'fatal, error, warn, info, debug, trace or silent',
    },
  }),
};
