import { isIP } from 'node:net';
import { nonNegativeInt, positiveInt } from '@herald/bridges';
import { normalizeOrigin } from '@herald/server';
import { z } from 'zod';

// Every message says what is expected, because it is printed after the key path
// (`config error: namespaces.chat.historySize: expected a positive integer`). The basic ones are the
// bridges' own, so both config files read alike.
export { flag, ms, nonNegativeInt, positiveInt, text } from '@herald/bridges';
export const list = (item: z.ZodString, what: string) => z.array(item, { error: `expected ${what}` });

/** Bytes, at least 1. */
export const bytes = positiveInt('a positive integer (bytes)');

/** A limit: 0 turns it off. */
export const limit = (unit: string) => nonNegativeInt(`0 (no limit) or a positive integer (${unit})`);

const PORT_ERROR = 'expected a port number (0-65535; 0 = any free port)';
export const port = z.int({ error: PORT_ERROR }).min(0, { error: PORT_ERROR }).max(65_535, { error: PORT_ERROR });

/** `*` or an origin as browsers send it (`https://app.example.com`, no path); normalized like the server does. */
export const origin = z.string({ error: 'expected an origin or *' }).refine(
  (o) => {
    if (o === '*') return true;
    try {
      normalizeOrigin(o);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'expected * or an origin such as https://app.example.com (scheme://host[:port], no path)' },
);

export const ipAddress = z.string({ error: 'expected an IP address' }).refine((a) => isIP(a) !== 0, {
  error: 'expected an IP address (a proxy peer address, e.g. 10.0.0.5)',
});
