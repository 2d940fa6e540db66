import type { Timers } from './timers.ts';

/** Returns a token; `refresh` is true when the previous one was refused or is about to expire. */
export type GetToken = (refresh: boolean) => string | Promise<string>;

/** Seconds-since-epoch `exp` of a JWT, or undefined for anything that is not a readable JWT. */
export function jwtExpiry(token: string): number | undefined {
  // Everything that is not a readable JWT throws in here: no payload part, no atob on the platform,
  // bad base64, a payload that is not JSON or is null. atob takes unpadded base64 (forgiving-base64).
  try {
    const part = token.split('.')[1] as string;
    const exp: unknown = (JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When to refresh a token that expires at `expSeconds`: a minute early, but never before 80 % of its
 * remaining life, so a short-lived token is not refreshed in a loop. Never negative.
 */
export function refreshDelay(expSeconds: number, now: number): number {
  const remaining = expSeconds * 1000 - now;
  return Math.max(0, remaining - 60_000, remaining * 0.8);
}

/** Holds the current token and asks the application for a new one when needed. */
export interface TokenSource {
  /** The last token obtained, without asking. */
  readonly value: string | undefined;
  /** True when a refused token can be replaced (there is a `getToken`). */
  readonly refreshable: boolean;
  /** The token to use now (asks `getToken(false)` once when there is none yet). */
  current(): Promise<string | undefined>;
  /** Asks for a fresh token. */
  refresh(): Promise<string | undefined>;
  /**
   * Refreshes a JWT shortly before it expires, while `active()` (close() clears the timers, and a
   * refresh still in flight then must not start a new one), and hands each new token to `use` (the
   * WebSocket sends it as `op: auth`; streams reopen). A token without `exp`, or one the application
   * cannot replace, is left alone.
   */
  keepFresh(timers: Timers, use: (token: string) => void, active: () => boolean): void;
}

/** A token source starting from the static `token` option, replaced through `getToken` when given. */
export function tokenSource(token: string | undefined, get: GetToken | undefined): TokenSource {
  const source: TokenSource = {
    get value() {
      return token;
    },
    refreshable: get !== undefined,
    async current() {
      if (token === undefined && get) token = await get(false);
      return token;
    },
    async refresh() {
      if (get) token = await get(true);
      return token;
    },
    keepFresh(timers, use, active) {
      const exp = !get || token === undefined ? undefined : jwtExpiry(token);
      if (exp === undefined || timers.has('token') || !active()) return;
      timers.set('token', refreshDelay(exp, Date.now()), () => {
        source.refresh().then(
          (fresh) => {
            if (fresh !== undefined && active()) use(fresh);
            source.keepFresh(timers, use, active);
          },
          () => source.keepFresh(timers, use, active),
        );
      });
    },
  };
  return source;
}
