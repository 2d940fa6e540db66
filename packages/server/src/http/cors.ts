import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOW_HEADERS = 'Authorization, Content-Type, Idempotency-Key, Last-Event-ID';
const EXPOSE_HEADERS = 'ETag, Herald-Poll-Interval, Retry-After';

/** CORS for the configured origins: `*` (no credentials) or an allowlist echoed with `Vary: Origin`. */
export class Cors {
  private readonly any: boolean;
  private readonly allowed: Set<string>;

  constructor(origins: readonly string[]) {
    this.any = origins.includes('*');
    this.allowed = new Set(origins.filter((o) => o !== '*'));
  }

  /** True when `origin` (absent for same-origin and non-browser clients) may use the hub. */
  allows(origin: string | undefined): boolean {
    return origin === undefined || this.any || this.allowed.has(origin);
  }

  /** Adds the CORS headers of an actual request. */
  apply(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    if (this.allowed.has(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'Origin');
    } else if (this.any) {
      res.setHeader('access-control-allow-origin', '*');
    } else {
      return;
    }
    res.setHeader('access-control-expose-headers', EXPOSE_HEADERS);
  }

  /** Answers a preflight (`OPTIONS`). */
  preflight(req: IncomingMessage, res: ServerResponse): void {
    this.apply(req, res);
    if (res.hasHeader('access-control-allow-origin')) {
      res.setHeader('access-control-allow-methods', 'GET, POST, PUT, OPTIONS');
      res.setHeader('access-control-allow-headers', ALLOW_HEADERS);
      res.setHeader('access-control-max-age', '600');
    }
    res.writeHead(204);
    res.end();
  }
}
