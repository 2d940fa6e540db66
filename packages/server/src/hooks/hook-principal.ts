import { HeraldError, type NamespaceSettings } from '@herald/core';
import type { Principal } from '../auth/authenticator.ts';
import type { ClaimPatterns } from '../auth/claim-patterns.ts';
import type { ClientInfo } from './client-info.ts';

/** What a connect hook granted: a user and the channels it may read and publish to. */
export interface Grant {
  readonly user: string | undefined;
  readonly channels: ClaimPatterns;
  readonly publish: ClaimPatterns;
  /** ms since the epoch; undefined = as long as the connection (or cache entry) lives. */
  readonly expiresAt: number | undefined;
}

/**
 * A client without credentials in a hub with connect hooks. It starts with an anonymous client's
 * rights, never less; each namespace's connect hook may add rights in that namespace only (a grant is
 * looked up by the namespace's connect URL). Grants are fetched before the synchronous checks run
 * (`Hooks.connect`); an expired grant counts as none and is asked for again.
 */
export class HookGuest implements Principal {
  readonly kind = 'anonymous' as const;
  readonly expiresAt = undefined;
  /** Per connect URL: the grant, or null when the hook refused the client. */
  private readonly grants = new Map<string, Grant | null>();

  constructor(
    /** The client's own request details, forwarded to hooks. */
    readonly client: ClientInfo,
  ) {}

  /** The user the first grant named; undefined before any. Set by the application, never by the client. */
  get subject(): string | undefined {
    for (const grant of this.grants.values()) if (grant?.user !== undefined) return grant.user;
    return undefined;
  }

  /** Charged by user once a hook named one (else by address, like any anonymous client). */
  get id(): string | undefined {
    const user = this.subject;
    return user === undefined ? undefined : `hook:${user}`;
  }

  /** True when the connect hook at `url` must be asked (never asked, or its grant expired). */
  needsConnect(url: string, now: number): boolean {
    if (!this.grants.has(url)) return true;
    const grant = this.grants.get(url);
    return grant !== null && grant !== undefined && grant.expiresAt !== undefined && grant.expiresAt <= now;
  }

  /** Records the hook's answer (null: refused). */
  setGrant(url: string, grant: Grant | null): void {
    this.grants.set(url, grant);
  }

  assertSubscribe(channel: string, settings: NamespaceSettings): void {
    if (this.maySubscribe(channel, settings)) return;
    if (this.grantFor(settings) === undefined) {
      throw new HeraldError('unauthorized', `subscribing to ${channel} needs credentials`);
    }
    throw new HeraldError('forbidden', `the application does not allow ${channel}`);
  }

  assertPublish(channel: string, settings: NamespaceSettings): void {
    if (settings.anonymousPublish) return;
    const grant = this.grantFor(settings);
    if (grant?.publish.matches(channel)) return;
    if (grant === undefined) throw new HeraldError('unauthorized', `publishing to ${channel} needs credentials`);
    throw new HeraldError('forbidden', `the application does not allow publishing to ${channel}`);
  }

  maySubscribe(channel: string, settings: NamespaceSettings): boolean {
    return settings.anonymousSubscribe || this.grantFor(settings)?.channels.matches(channel) === true;
  }

  /** The live grant of the namespace's connect hook. */
  private grantFor(settings: NamespaceSettings): Grant | undefined {
    const url = settings.hooks?.connect;
    if (url === undefined) return undefined;
    const grant = this.grants.get(url);
    if (grant === null || grant === undefined) return undefined;
    if (grant.expiresAt !== undefined && grant.expiresAt <= Date.now()) return undefined;
    return grant;
  }
}
