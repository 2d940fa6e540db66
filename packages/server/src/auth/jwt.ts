import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HeraldError } from '@herald/core';
import { type ChannelPattern, compileChannelPattern } from '@herald/protocol';
import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';

/** How JWTs are verified. At least one key source must be given for JWTs to be accepted. */
export interface JwtOptions {
  /** HS256 shared secret (at least 32 bytes). */
  secret?: string | undefined;
  /** RS256 / ES256 public keys, PEM (SPKI). The algorithm follows the key type. */
  publicKeys?: string[] | undefined;
  /** A JWKS file (JSON) with RS256 / ES256 keys, selected by `kid`. */
  jwksFile?: string | undefined;
  /** Required `iss`, when set. */
  issuer?: string | undefined;
  /** Required `aud`, when set. */
  audience?: string | undefined;
  /** Allowed clock skew, seconds. */
  clockToleranceSec?: number | undefined;
}

/** What a verified token grants. */
export interface JwtGrant {
  readonly subject: string | undefined;
  /** Expiry, ms since the epoch (`exp` is required). */
  readonly expiresAt: number;
  readonly subscribe: ChannelPattern[];
  readonly publish: ChannelPattern[];
}

type KeySource = { alg: 'HS256'; key: Uint8Array } | { alg: 'RS256' | 'ES256'; key: KeyObject };

/**
 * Verifies JWTs with jose: an explicit algorithm allow-list bound to the configured keys (so `none`
 * and algorithm switching, e.g. HS256 signed with an RSA public key, fail), `exp` required, `nbf`,
 * `iss` and `aud` checked. Keys come only from configuration: header fields such as `jku`, `x5u`
 * or `kid` URLs are never fetched.
 */
export class JwtVerifier {
  private readonly keys: KeySource[];
  private readonly jwks: ReturnType<typeof createLocalJWKSet> | undefined;

  constructor(private readonly options: JwtOptions) {
    this.keys = [];
    if (options.secret !== undefined) {
      if (Buffer.byteLength(options.secret) < 32) throw new Error('jwt.secret must be at least 32 bytes');
      this.keys.push({ alg: 'HS256', key: new TextEncoder().encode(options.secret) });
    }
    for (const pem of options.publicKeys ?? []) {
      const key = createPublicKey(pem);
      if (key.asymmetricKeyType === 'rsa') this.keys.push({ alg: 'RS256', key });
      else if (key.asymmetricKeyType === 'ec') this.keys.push({ alg: 'ES256', key });
      else throw new Error(`jwt.publicKeys: unsupported key type ${key.asymmetricKeyType}`);
    }
    this.jwks =
      options.jwksFile === undefined
        ? undefined
        : createLocalJWKSet(JSON.parse(readFileSync(options.jwksFile, 'utf8')) as JSONWebKeySet);
  }

  /** True when any key source is configured. */
  get enabled(): boolean {
    return this.keys.length > 0 || this.jwks !== undefined;
  }

  /** True when `token` looks like a JWT (three base64url parts), as opposed to an API key. */
  static looksLikeJwt(token: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
  }

  /** Verifies `token`; throws 401 with one message for every kind of failure (no oracle). */
  async verify(token: string): Promise<JwtGrant> {
    if (token.length > 8192) throw invalid();
    const common = {
      requiredClaims: ['exp'],
      issuer: this.options.issuer,
      audience: this.options.audience,
      clockTolerance: this.options.clockToleranceSec ?? 5,
    };
    for (const { alg, key } of this.keys) {
      const payload = await jwtVerify(token, key, { ...common, algorithms: [alg] }).then(
        (r) => r.payload,
        () => undefined,
      );
      if (payload !== undefined) return grant(payload);
    }
    if (this.jwks !== undefined) {
      const payload = await jwtVerify(token, this.jwks, { ...common, algorithms: ['RS256', 'ES256'] }).then(
        (r) => r.payload,
        () => undefined,
      );
      if (payload !== undefined) return grant(payload);
    }
    throw invalid();
  }
}

function grant(payload: JWTPayload): JwtGrant {
  return {
    subject: payload.sub,
    expiresAt: (payload.exp as number) * 1000,
    subscribe: patterns(payload.channels),
    publish: patterns(payload.publish),
  };
}

function patterns(claim: unknown): ChannelPattern[] {
  if (claim === undefined) return [];
  if (!Array.isArray(claim) || claim.length > 1000) throw invalid();
  return claim.map((p) => {
    const re = typeof p === 'string' ? compileChannelPattern(p) : undefined;
    if (re === undefined) throw invalid();
    return re;
  });
}

function invalid(): HeraldError {
  return new HeraldError('unauthorized', 'invalid credentials');
}
