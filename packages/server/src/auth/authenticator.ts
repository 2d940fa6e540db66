import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HeraldError, type NamespaceSettings } from '@herald/core';
import { matchesAny } from '@herald/protocol';
import { type JwtGrant, type JwtOptions, JwtVerifier } from './jwt.ts';

/** Who is asking, and what they may do. */
export interface Principal {
  readonly kind: 'key' | 'jwt' | 'anonymous';
  /**
   * Who to charge publish rates to: `key:<n>` for the n-th API key, `jwt:<sub>` (or a digest of the
   * token when it has no `sub`); undefined for anonymous clients, which are charged by address.
   */
  readonly id: string | undefined;
  /** When the credentials expire (ms since the epoch); undefined = never. */
  readonly expiresAt: number | undefined;
  /** May subscribe to `channel`; otherwise throws 401 (no credentials) or 403 (not these). */
  assertSubscribe(channel: string, settings: NamespaceSettings): void;
  /** May publish to `channel`; otherwise throws 401 or 403. */
  assertPublish(channel: string, settings: NamespaceSettings): void;
}

/** The principal of the `index`-th API key: may do anything. */
function keyPrincipal(index: number): Principal {
  return { kind: 'key', id: `key:${index}`, expiresAt: undefined, assertSubscribe: () => {}, assertPublish: () => {} };
}

const ANONYMOUS: Principal = {
  kind: 'anonymous',
  id: undefined,
  expiresAt: undefined,
  assertSubscribe(channel, settings) {
    if (!settings.anonymousSubscribe)
      throw new HeraldError('unauthorized', `subscribing to ${channel} needs credentials`);
  },
  assertPublish(channel, settings) {
    if (!settings.anonymousPublish) throw new HeraldError('unauthorized', `publishing to ${channel} needs credentials`);
  },
};

/** A token holder may do what its claims name, and never less than an anonymous client. */
function jwtPrincipal(grant: JwtGrant, token: string): Principal {
  return {
    kind: 'jwt',
    id: grant.subject === undefined ? `jwt#${digest(token).toString('base64url', 0, 12)}` : `jwt:${grant.subject}`,
    expiresAt: grant.expiresAt,
    assertSubscribe(channel, settings) {
      if (settings.anonymousSubscribe || matchesAny(grant.subscribe, channel)) return;
      throw new HeraldError('forbidden', `this token may not subscribe to ${channel}`);
    },
    assertPublish(channel, settings) {
      if (settings.anonymousPublish || matchesAny(grant.publish, channel)) return;
      throw new HeraldError('forbidden', `this token may not publish to ${channel}`);
    },
  };
}

/**
 * Checks credentials: `Authorization: Bearer <api key or JWT>`, or `?token=` for clients that cannot
 * set headers (EventSource, browser WebSocket). No credentials = anonymous; bad ones = 401.
 */
export class Authenticator {
  private readonly digests: Buffer[];
  private readonly keys: Principal[];
  private readonly jwt: JwtVerifier;
  /**
   * The API key each keep-alive connection last proved, so a backend publishing over one connection
   * pays the digest once, not per request. Comparing a token with the one the same connection already
   * presented tells an attacker nothing it did not send itself, so a plain comparison is safe here.
   */
  private readonly provenKeys = new WeakMap<object, { token: string; principal: Principal }>();

  constructor(apiKeys: readonly string[], jwt: JwtOptions = {}) {
    this.digests = apiKeys.map(digest);
    this.keys = apiKeys.map((_, i) => keyPrincipal(i));
    this.jwt = new JwtVerifier(jwt);
  }

  /** The principal of a request. */
  authenticate(req: IncomingMessage, query: URLSearchParams): Promise<Principal> | Principal {
    const header = bearer(req.headers.authorization);
    const tokens = query.getAll('token');
    if (tokens.length > 1) throw new HeraldError('bad_request', 'parameter token is given more than once');
    const token = header ?? tokens[0];
    if (token === undefined) return ANONYMOUS;
    const proven = this.provenKeys.get(req.socket);
    if (proven !== undefined && proven.token === token) return proven.principal;
    const principal = this.authenticateToken(token);
    if (!(principal instanceof Promise) && principal.kind === 'key') {
      this.provenKeys.set(req.socket, { token, principal });
    }
    return principal;
  }

  /** The principal of a token (API key or JWT); rejects with 401 when it is invalid. */
  authenticateToken(token: string): Promise<Principal> | Principal {
    // No key is this long: skip hashing it (the JWT verifier refuses such tokens with its usual answer).
    const key = token.length > MAX_TOKEN_LENGTH ? undefined : this.apiKey(token);
    if (key !== undefined) return key;
    if (this.jwt.enabled && JwtVerifier.looksLikeJwt(token)) {
      return this.jwt.verify(token).then((grant) => jwtPrincipal(grant, token));
    }
    throw new HeraldError('unauthorized', 'invalid credentials');
  }

  /** Compares in constant time over digests, so neither content nor length leaks through timing. */
  private apiKey(token: string): Principal | undefined {
    const d = digest(token);
    let match: Principal | undefined;
    for (const [i, known] of this.digests.entries()) if (timingSafeEqual(d, known)) match ??= this.keys[i];
    return match;
  }
}

/** Longest credential looked at, characters (JWTs are refused above 8 KiB by the verifier too). */
const MAX_TOKEN_LENGTH = 8192;

function bearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (m === null) throw new HeraldError('unauthorized', 'Authorization must be "Bearer <token>"');
  return m[1];
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
