import type { HookSettings } from '@herald/core';
import { HOOK_DEFAULTS } from '@herald/core';
import type { Logger } from 'pino';

/** A namespace's hook settings with every default filled in. */
export interface ResolvedHooks {
  readonly connect: string | undefined;
  readonly subscribe: string | undefined;
  readonly publish: string | undefined;
  readonly timeoutMs: number;
  readonly failure: 'deny' | 'allow';
  readonly cacheMs: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly forwardHeaders: readonly string[];
}

/** Client headers never forwarded, whatever the config says: they are credentials for the hub, not the app. */
const NEVER_FORWARDED = new Set(['authorization', 'proxy-authorization']);

/** Fills in {@link HOOK_DEFAULTS}; lower-cases forwarded header names and drops credentials of the hub. */
export function resolveHooks(s: HookSettings): ResolvedHooks {
  return {
    connect: s.connect,
    subscribe: s.subscribe,
    publish: s.publish,
    timeoutMs: s.timeoutMs ?? HOOK_DEFAULTS.timeoutMs,
    failure: s.failure ?? HOOK_DEFAULTS.failure,
    cacheMs: s.cacheMs ?? HOOK_DEFAULTS.cacheMs,
    headers: s.headers ?? {},
    forwardHeaders: (s.forwardHeaders ?? HOOK_DEFAULTS.forwardHeaders)
      .map((h) => h.toLowerCase())
      .filter((h) => !NEVER_FORWARDED.has(h)),
  };
}

/**
 * The failure policy: a hook that timed out, failed or answered nonsense lets the client through only
 * when the namespace says `failure: "allow"`. Logged either way, so an outage of the app is visible.
 */
export function allowOnFailure(hooks: ResolvedHooks, hook: string, error: unknown, logger: Logger): boolean {
  const allow = hooks.failure === 'allow';
  logger.warn({ err: error, hook, policy: hooks.failure }, allow ? 'hook failed; allowed' : 'hook failed; denied');
  return allow;
}
