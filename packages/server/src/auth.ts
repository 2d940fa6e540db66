import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HeraldError, type NamespaceSettings } from '@herald/core';

/** Who is asking. JWT principals (with channel patterns) arrive with the security work. */
export interface Principal {
  readonly kind: 'key' | 'anonymous';
  /** May subscribe to `channel`; otherwise throws 401/403. */
  assertSubscribe(channel: string, settings: NamespaceSettings): void;
  /** May publish to `channel`; otherwise throws 401/403. */
  assertPublish(channel: string, settings: NamespaceSettings): void;
}

const KEY: Principal = {
  kind: 'key',
  assertSubscribe: () => {},
  assertPublish: () => {},
};

const ANONYMOUS: Principal = {
  kind: 'anonymous',
  assertSubscribe(channel, settings) {
    if (!settings.anonymousSubscribe)
      throw new HeraldError('unauthorized', `subscribing to ${channel} needs credentials`);
  },
  assertPublish(channel, settings) {
    if (!settings.anonymousPublish) throw new HeraldError('unauthorized', `publishing to ${channel} needs credentials`);
  },
};

/** Checks credentials: `Authorization: Bearer <key>` or `?token=<key>` (for clients that cannot set headers). */
export class Authenticator {
  private readonly digests: Buffer[];

  constructor(apiKeys: readonly string[]) {
    this.digests = apiKeys.map(digest);
  }

  /** The principal of a request; throws 401 for credentials that are present but invalid. */
  authenticate(req: IncomingMessage, query: URLSearchParams): Principal {
    const token = bearer(req.headers.authorization) ?? query.get('token') ?? undefined;
    return token === undefined ? ANONYMOUS : this.authenticateToken(token);
  }

  /** The principal of a token (an API key for now; JWTs join here); throws 401 when it is invalid. */
  authenticateToken(token: string): Principal {
    if (this.isApiKey(token)) return KEY;
    throw new HeraldError('unauthorized', 'invalid credentials');
  }

  /** Compares in constant time over digests, so neither content nor length leaks through timing. */
  private isApiKey(token: string): boolean {
    const d = digest(token);
    let match = false;
    for (const known of this.digests) match = timingSafeEqual(d, known) || match;
    return match;
  }
}

function bearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (m === null) throw new HeraldError('unauthorized', 'Authorization must be "Bearer <token>"');
  return m[1];
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
