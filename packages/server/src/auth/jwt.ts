import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import { type ClaimPatterns, compileClaim, type PatternBudget } from './claim-patterns.ts';
import { refused } from './refused.ts';

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
  /** The `channels` claim, compiled once per token. */
  readonly subscribe: ClaimPatterns;
  /** The `publish` claim, compiled once per token. */
  readonly publish: ClaimPatterns;
}

/** A token verified earlier, and until when that verification holds (ms since the epoch). */
interface Verified {
  readonly grant: JwtGrant;
  /** `nbf` less the clock tolerance; 0 without `nbf`. */
  readonly from: number;
  /** `exp` plus the clock tolerance. */
  readonly until: number;
}

/** Tokens whose verification is remembered (a client re-presents its token on every poll). */
const VERIFIED_CACHE_SIZE = 1024;
/** Longest token looked at, characters. */
const MAX_TOKEN_LENGTH = 8192;

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
  /** SHA-256 of a token -> its verification; insertion-ordered, the oldest goes first. */
  private readonly verified = new Map<string, Verified>();

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

  /**
   * Verifies `token`; throws 401 with one message for every kind of failure (no oracle). A token
   * verified before (its signature, issuer and audience cannot change) is answered from a small cache
   * while its time claims still hold, with the patterns compiled then.
   */
  async verify(token: string): Promise<JwtGrant> {
    if (token.length > MAX_TOKEN_LENGTH) throw refused();
    const key = createHash('sha256').update(token).digest('base64');
    const now = Date.now();
    const known = this.verified.get(key);
    if (known !== undefined) {
      if (now >= known.from && now < known.until) return known.grant;
      this.verified.delete(key);
    }
    const payload = await this.checkSignature(token);
    if (payload === undefined) throw refused();
    const result = grant(payload);
    const tolerance = (this.options.clockToleranceSec ?? 5) * 1000;
    const nbf = typeof payload.nbf === 'number' ? payload.nbf * 1000 - tolerance : 0;
    this.verified.set(key, { grant: result, from: nbf, until: result.expiresAt + tolerance });
    if (this.verified.size > VERIFIED_CACHE_SIZE) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    return result;
  }

  /** The payload of a token one of the configured keys signed, with valid claims; undefined otherwise. */
  private async checkSignature(token: string): Promise<JWTPayload | undefined> {
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
      if (payload !== undefined) return payload;
    }
    if (this.jwks !== undefined) {
      return jwtVerify(token, this.jwks, { ...common, algorithms: ['RS256', 'ES256'] }).then(
        (r) => r.payload,
        () => undefined,
      );
    }
    return undefined;
  }
}

/** What a verified payload grants; a claim over the pattern limits refuses the token (claim-patterns.ts). */
function grant(payload: JWTPayload): JwtGrant {
  const budget: PatternBudget = { chars: 0 };
  return {
    subject: payload.sub,
    expiresAt: (payload.exp as number) * 1000,
    subscribe: compileClaim(payload.channels, budget),
    publish: compileClaim(payload.publish, budget),
  };
}
