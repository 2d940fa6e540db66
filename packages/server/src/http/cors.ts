import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError } from '@herald/core';
import { sendError } from './respond.ts';

// What the publish, pull, stream and blob endpoints read from a browser (Last-Event-ID: a cursor holds
// `:`, a CORS-unsafe byte, so a cross-origin EventSource reconnect always preflights).
const ALLOW_HEADERS =
  'Authorization, Content-Type, Idempotency-Key, Last-Event-ID, If-None-Match, Range, If-Range, ' +
  // Durable Streams request headers (docs/durable-streams.md).
  'Stream-Seq, Stream-TTL, Stream-Expires-At, Stream-Closed, Stream-Forked-From, Stream-Fork-Offset, ' +
  'Stream-Fork-Sub-Offset, Producer-Id, Producer-Epoch, Producer-Seq';
const ALLOW_METHODS = 'GET, HEAD, POST, PUT, DELETE, OPTIONS';
const EXPOSE_HEADERS = 'ETag, Herald-Poll-Interval, Retry-After, Content-Range, Accept-Ranges, Idempotent-Replayed';
/** An origin as browsers send it: `scheme://host[:port]`, nothing after. */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^\s/?#@*]+$/;

/**
 * CORS and the Origin check (docs/protocol.md section 7; threats T8 and T9 in SECURITY.md).
 *
 * - `*` in the list: any origin may use the hub, answered `Access-Control-Allow-Origin: *` and never
 *   with credentials. Safe because Herald has no ambient credentials: it sets and reads no cookies and
 *   accepts no HTTP auth a browser would attach by itself; a token reaches it only when the page's own
 *   script sends it (`Authorization` or `?token=`), so another site cannot borrow a user's session.
 * - Listed origins are echoed with `Access-Control-Allow-Credentials: true` and `Vary: Origin`.
 * - Without `*`, a request or WebSocket upgrade from any other origin (`null` included) is refused
 *   with 403 before anything else happens, and a preflight from it gets no CORS headers.
 */
export class Cors {
  private readonly any: boolean;
  private readonly allowed: Set<string>;
  /** `Vary: Origin` when answers differ by Origin (a list), else nothing: the CORS headers of most answers. */
  private readonly varyOnly: readonly string[];
  /** The headers of an answer any origin may read (`*`), after {@link varyOnly}. */
  private readonly anyOrigin: readonly string[];

  constructor(origins: readonly string[]) {
    this.any = origins.includes('*');
    this.allowed = new Set(origins.filter((o) => o !== '*').map(normalizeOrigin));
    this.varyOnly = this.allowed.size > 0 ? ['vary', 'Origin'] : [];
    this.anyOrigin = [
      ...this.varyOnly,
      'access-control-allow-origin',
      '*',
      'access-control-expose-headers',
      EXPOSE_HEADERS,
    ];
  }

  /** True when `origin` (absent for same-origin GETs and non-browser clients) may use the hub. */
  allows(origin: string | undefined): boolean {
    return origin === undefined || this.any || this.allowed.has(origin.toLowerCase());
  }

  /** Refuses (403) a request whose origin is not allowed; the answer still says it varies by Origin. */
  assertAllowed(req: IncomingMessage, res: ServerResponse): void {
    if (this.allows(req.headers.origin)) return;
    addVary(res);
    throw new HeraldError('forbidden', 'origin not allowed');
  }

  /** Adds the CORS headers of an actual request. */
  apply(req: IncomingMessage, res: ServerResponse): void {
    const headers = this.headersOf(req, false);
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i] === 'vary') addVary(res);
      else res.setHeader(headers[i] as string, headers[i + 1] as string);
    }
  }

  /**
   * The CORS headers of an actual request (its origin allowed) as name/value pairs for one
   * `writeHead`: what {@link apply} sets, less what {@link trimNotModified} removes from a 304.
   * Mostly shared arrays: never modify one.
   */
  headersOf(req: IncomingMessage, notModified: boolean): readonly string[] {
    const origin = req.headers.origin;
    if (origin !== undefined && this.allowed.has(origin.toLowerCase())) {
      return [
        ...this.varyOnly,
        'access-control-allow-origin',
        origin,
        'access-control-allow-credentials',
        'true',
        'access-control-expose-headers',
        EXPOSE_HEADERS,
      ];
    }
    // With a list, answers differ by Origin, so caches (immutable pages are CDN-cacheable) must key on it.
    // With `*`, sent even without Origin on what a shared cache may store (GET, HEAD): a cached answer
    // then serves browsers too, and it never varies. Answers to other methods are never stored.
    if (!this.any || (origin === undefined && (notModified || (req.method !== 'GET' && req.method !== 'HEAD')))) {
      return this.varyOnly;
    }
    return this.anyOrigin;
  }

  /**
   * A 304 creates no cache entry: a cache that revalidates keeps the stored answer's CORS headers
   * (RFC 9111 section 4.3.4). So a 304 to a client that sent no Origin (no browser) goes without them,
   * which keeps the most frequent answer of a polling client small.
   */
  trimNotModified(req: IncomingMessage, res: ServerResponse): void {
    if (req.headers.origin !== undefined) return;
    res.removeHeader('access-control-allow-origin');
    res.removeHeader('access-control-expose-headers');
  }

  /** Answers a preflight (`OPTIONS`): 204 with the allowed methods and headers, 403 for a refused origin. */
  preflight(req: IncomingMessage, res: ServerResponse): void {
    if (!this.allows(req.headers.origin)) {
      addVary(res);
      sendError(res, new HeraldError('forbidden', 'origin not allowed'));
      return;
    }
    this.apply(req, res);
    if (res.hasHeader('access-control-allow-origin')) {
      res.setHeader('access-control-allow-methods', ALLOW_METHODS);
      res.setHeader('access-control-allow-headers', ALLOW_HEADERS);
      res.setHeader('access-control-max-age', '600');
    }
    res.writeHead(204);
    res.end();
  }
}

/**
 * Validates and normalizes a configured origin (lower case, no trailing `/`). Throws for anything that
 * is not `scheme://host[:port]`, e.g. a path, a wildcard host or `null` (which many unrelated pages send).
 */
export function normalizeOrigin(origin: string): string {
  const o = origin.toLowerCase().replace(/\/$/, '');
  if (!ORIGIN.test(o)) {
    throw new Error(`allowedOrigins: ${JSON.stringify(origin)} is not an origin (scheme://host[:port]) or *`);
  }
  return o;
}

function addVary(res: ServerResponse): void {
  const vary = res.getHeader('vary');
  if (vary === undefined) res.setHeader('vary', 'Origin');
  else if (!/\borigin\b/i.test(String(vary))) res.setHeader('vary', `${String(vary)}, Origin`);
}
