import type { HookSettings } from '@herald/core';
import { z } from 'zod';

/** Client headers a hook may never be sent: they carry credentials meant for the hub (API keys, JWTs). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization']);

/** An absolute http(s) URL. */
const hookUrl = z.string({ error: 'expected an http(s) URL' }).refine(
  (u) => {
    try {
      const url = new URL(u);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { error: 'expected an http(s) URL such as https://app.example.com/herald/subscribe' },
);

/** `true` (the base `url` plus `/connect`, `/subscribe` or `/publish`) or a URL of its own. */
const hookTarget = z.union([z.literal(true), hookUrl], { error: 'expected true (url + /<hook>) or an http(s) URL' });

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
const headerName = z
  .string({ error: 'expected a header name' })
  .regex(HEADER_NAME, { error: 'expected a header name' });

/**
 * `hooks` of a namespace (docs/bridges.md, "Backend hooks"): HTTP calls to the application on connect,
 * subscribe and client publish. Documented in docs/config.md.
 */
export const hooksSchema = z
  .strictObject(
    {
      url: z.optional(hookUrl),
      connect: z.optional(hookTarget),
      subscribe: z.optional(hookTarget),
      publish: z.optional(hookTarget),
      timeoutMs: z.optional(
        z
          .int({ error: 'expected a positive integer (milliseconds)' })
          .min(1, { error: 'expected a positive integer (milliseconds)' })
          .max(60_000, { error: 'expected at most 60000 (milliseconds)' }),
      ),
      failure: z.optional(z.enum(['deny', 'allow'], { error: 'expected deny or allow' })),
      cacheMs: z.optional(
        z
          .int({ error: 'expected 0 (no cache) or a positive integer (milliseconds)' })
          .min(0, { error: 'expected 0 (no cache) or a positive integer (milliseconds)' }),
      ),
      headers: z.optional(
        z.record(headerName, z.string({ error: 'expected a header value' }), {
          error: 'expected an object of header names and values',
        }),
      ),
      forwardHeaders: z.optional(
        z.array(
          headerName.refine((h) => !CREDENTIAL_HEADERS.has(h.toLowerCase()), {
            error: 'the client’s authorization header is never forwarded to a hook',
          }),
          { error: 'expected a list of header names' },
        ),
      ),
    },
    { error: 'expected an object of hook settings' },
  )
  .refine((h) => h.url !== undefined || ![h.connect, h.subscribe, h.publish].includes(true), {
    error: 'a hook set to true needs url (the base URL of the hooks)',
  });

/** The `hooks` section as written in the config file. */
export type HooksConfig = z.infer<typeof hooksSchema>;

/** The hook settings the server takes: `true` becomes `<url>/<hook>`. */
export function toHookSettings(c: HooksConfig): HookSettings {
  const at = (hook: 'connect' | 'subscribe' | 'publish'): string | undefined => {
    const target = c[hook];
    if (target === undefined) return undefined;
    return target === true ? `${(c.url ?? '').replace(/\/+$/, '')}/${hook}` : target;
  };
  return {
    connect: at('connect'),
    subscribe: at('subscribe'),
    publish: at('publish'),
    timeoutMs: c.timeoutMs,
    failure: c.failure,
    cacheMs: c.cacheMs,
    headers: c.headers,
    forwardHeaders: c.forwardHeaders?.map((h) => h.toLowerCase()),
  };
}
