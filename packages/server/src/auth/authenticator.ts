import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HeraldError, type NamespaceSettings } from '@herald/core';
import { type JwtGrant, type JwtOptions, JwtVerifier } from './jwt.ts';
import { refused } from './refused.ts';

/** Who is asking, and what they may do. */
export interface Principal {
  readonly kind: 'key' | 'jwt' | 'anonymous';
  /**
   * Who to charge publish rates to: `key:<n>` for the n-th API key, `jwt:<sub>` (or a digest of the
   * token when it has no `sub`); undefined for anonymous clients, which are charged by address.
   */
  readonly id: string | undefined;
  /**
   * The verified user: a JWT's `sub`. Undefined for anonymous clients, API keys and tokens without
   * `sub`. Set by the hub only, never from anything the client says (presence shows it as `user`).
   */
  readonly subject: string | undefined;
  /** When the credentials expire (ms since the epoch); undefined = never. */
  readonly expiresAt: number | undefined;
  /** May subscribe to `channel`; otherwise throws 401 (no credentials) or 403 (not these). */
  assertSubscribe(channel: string, settings: NamespaceSettings): void;
  /** May publish to `channel`; otherwise throws 401 or 403. */
  assertPublish(channel: string, settings: NamespaceSettings): void;
  /** True when {@link assertSubscribe} would pass. */
  maySubscribe(channel: string, settings: NamespaceSettings): boolean;
}

/** The principal of the `index`-th API key: may do anything. */
function keyPrincipal(index: number): Principal {
  return {
    kind: 'key',
    id: `key:${index}`,
    subject: undefined,
    expiresAt: undefined,
    assertSubscribe: () => {},
    assertPublish: () => {},
    maySubscribe: () => true,
  };
}

const ANONYMOUS: Principal = {
  kind: 'anonymous',
  id: undefined,
  subject: undefined,
  expiresAt: undefined,
  assertSubscribe(channel, settings) {
    if (!settings.anonymousSubscribe)
      throw new HeraldError('unauthorized', `subscribing to ${channel} needs credentials`);
  },
  assertPublish(channel, settings) {
    if (!settings.anonymousPublish) throw new HeraldError('unauthorized', `publishing to ${channel} needs credentials`);
  },
  maySubscribe: (_channel, settings) => settings.anonymousSubscribe,
};

/** Channels whose subscribe decision one principal remembers (a WebSocket keeps its principal). */
const DECISIONS_KEPT = 1024;

/**
 * A token holder may do what its claims name, and never less than an anonymous client. Each channel
 * is decided once per principal, that is once per connection (a socket asking again for a channel it
 * was refused costs a map lookup, not a pattern scan).
 */
function jwtPrincipal(grant: JwtGrant, token: string): Principal {
  const decisions = new Map<string, boolean>();
  const allowed = (channel: string): boolean => {
    let ok = decisions.get(channel);
    if (ok === undefined) {
      ok = grant.subscribe.matches(channel);
      if (decisions.size >= DECISIONS_KEPT) decisions.clear();
      decisions.set(channel, ok);
    }
    return ok;
  };
  return {
    kind: 'jwt',
    id: grant.subject === undefined ? `jwt#${digest(token).toString('base64url', 0, 12)}` : `jwt:${grant.subject}`,
    subject: grant.subject,
    expiresAt: grant.expiresAt,
    assertSubscribe(channel, settings) {
      if (settings.anonymousSubscribe || allowed(channel)) return;
      throw new HeraldError('forbidden', `this token may not subscribe to ${channel}`);
    },
    assertPublish(channel, settings) {
      if (settings.anonymousPublish || grant.publish.matches(channel)) return;
      throw new HeraldError('forbidden', `this token may not publish to ${channel}`);
    },
    maySubscribe: (channel, settings) => settings.anonymousSubscribe || allowed(channel),
  };
}

/**
 * An API key as a keep-alive connection proves it: its bytes, for a constant-time comparison, and
 * where a re-presented token is written to be compared (one per key, shared by every connection: the
 * comparison is synchronous), so a request allocates no buffer for it.
 */
interface Proven {
  readonly token: Buffer;
  readonly scratch: Buffer;
  readonly principal: Principal;
}

/**
 * Checks credentials: `Authorization: Bearer <api key or JWT>`, or `?token=` for clients that cannot
 * set headers (EventSource, browser WebSocket). No credentials = anonymous; bad ones = 401.
 */
export class Authenticator {
  private readonly digests: Buffer[];
  private readonly keys: Proven[];
  private readonly jwt: JwtVerifier;
  /**
   * The API key each keep-alive connection last proved, so a backend publishing over one connection
   * pays the digest once, not per request. The comparison with it is in constant time too, like every
   * comparison with a secret: only the length of what the client sent can show through timing.
   */
  private readonly provenKeys = new WeakMap<object, Proven>();

  constructor(apiKeys: readonly string[], jwt: JwtOptions = {}) {
    this.digests = apiKeys.map(digest);
    this.keys = apiKeys.map((key, i) => {
      const token = Buffer.from(key);
      return { token, scratch: Buffer.alloc(token.length), principal: keyPrincipal(i) };
    });
    this.jwt = new JwtVerifier(jwt);
  }

  /** The principal of a request; `query` undefined: the request has none. */
  authenticate(req: IncomingMessage, query: URLSearchParams | undefined): Promise<Principal> | Principal {
    let token = bearer(req.headers.authorization);
    if (query !== undefined) {
      const tokens = query.getAll('token');
      if (tokens.length > 1) throw new HeraldError('bad_request', 'parameter token is given more than once');
      token ??= tokens[0];
    }
    if (token === undefined) return ANONYMOUS;
    const proven = this.provenKeys.get(req.socket);
    if (proven !== undefined && sameSecret(proven, token)) return proven.principal;
    const key = this.apiKey(token);
    if (key === undefined) return this.authenticateOther(token);
    this.provenKeys.set(req.socket, key);
    return key.principal;
  }

  /** The principal of a token (API key or JWT); rejects with 401 when it is invalid. */
  authenticateToken(token: string): Promise<Principal> | Principal {
    return this.apiKey(token)?.principal ?? this.authenticateOther(token);
  }

  /** The principal of a token that is no API key: a JWT's, or a 401. */
  private authenticateOther(token: string): Promise<Principal> {
    if (this.jwt.enabled && JwtVerifier.looksLikeJwt(token)) {
      return this.jwt.verify(token).then((grant) => jwtPrincipal(grant, token));
    }
    throw refused();
  }

  /** Compares in constant time over digests, so neither content nor length leaks through timing. */
  private apiKey(token: string): Proven | undefined {
    // No key is this long: skip hashing it (the JWT verifier refuses such tokens with its usual answer).
    if (token.length > MAX_TOKEN_LENGTH) return undefined;
    const d = digest(token);
    let match: Proven | undefined;
    for (const [i, known] of this.digests.entries()) if (timingSafeEqual(d, known)) match ??= this.keys[i];
    return match;
  }
}

/** Longest credential looked at, characters (JWTs are refused above 8 KiB by the verifier too). */
const MAX_TOKEN_LENGTH = 8192;

/** `token` equals `known`'s, compared in constant time (a different length returns at once). */
function sameSecret(known: Proven, token: string): boolean {
  if (Buffer.byteLength(token) !== known.token.length) return false;
  known.scratch.write(token);
  return timingSafeEqual(known.scratch, known.token);
}

/**
 * The token of an `Authorization: Bearer` header. Any other scheme or shape is refused like a bad
 * token: every refused credential gets one answer, so none tells a prober more than another.
 */
function bearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  // What clients send, `Bearer <visible ASCII>`, is the expression's match too: taken without it.
  if (header.startsWith(BEARER) && isVisibleAscii(header, BEARER.length)) return header.slice(BEARER.length);
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (m === null) throw refused();
  return m[1];
}

const BEARER = 'Bearer ';

/** True when `text` has characters from `from` on, all visible ASCII (none of them white space). */
function isVisibleAscii(text: string, from: number): boolean {
  if (from >= text.length) return false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
