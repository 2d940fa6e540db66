import { isIP } from 'node:net';
import { normalizeOrigin } from '@herald/server';
import { z } from 'zod';

// Every message says what is expected, because it is printed after the key path
// (`config error: namespaces.chat.historySize: expected a positive integer`).
export const positiveInt = (what = 'a positive integer') =>
  z.int({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
export const nonNegativeInt = (what: string) =>
  z.int({ error: `expected ${what}` }).min(0, { error: `expected ${what}` });
export const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
export const flag = z.boolean({ error: 'expected true or false' });
export const list = (item: z.ZodString, what: string) => z.array(item, { error: `expected ${what}` });

/** Milliseconds, at least 1. */
export const ms = positiveInt('a positive integer (milliseconds)');
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
