import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Cors, normalizeOrigin } from './cors.ts';

/** A response that records headers and status. */
function fakeRes() {
  const headers = new Map<string, string>();
  let status = 0;
  const res = {
    headersSent: false,
    setHeader: (k: string, v: string) => headers.set(k.toLowerCase(), String(v)),
    getHeader: (k: string) => headers.get(k.toLowerCase()),
    hasHeader: (k: string) => headers.has(k.toLowerCase()),
    removeHeader: (k: string) => headers.delete(k.toLowerCase()),
    writeHead: (s: number, h: Record<string, string | number> = {}) => {
      status = s;
      for (const [k, v] of Object.entries(h)) headers.set(k.toLowerCase(), String(v));
    },
    end: () => {},
  };
  return { res: res as unknown as ServerResponse, headers, status: () => status };
}
const req = (origin?: string, method = 'GET') =>
  ({ method, headers: origin === undefined ? {} : { origin } }) as IncomingMessage;

describe('Cors with *', () => {
  const cors = new Cors(['*']);
  it('allows any origin, null included, and never allows credentials', () => {
    for (const o of ['https://evil.example', 'null', undefined]) {
      expect(cors.allows(o)).toBe(true);
      const { res, headers } = fakeRes();
      cors.apply(req(o), res);
      expect(headers.get('access-control-allow-origin')).toBe('*');
      expect(headers.has('access-control-allow-credentials')).toBe(false);
    }
  });

  it('leaves CORS headers off answers no cache stores and no browser asked for', () => {
    const post = fakeRes();
    cors.apply(req(undefined, 'POST'), post.res);
    expect(post.headers.has('access-control-allow-origin')).toBe(false);
    const browserPost = fakeRes();
    cors.apply(req('https://a.example', 'POST'), browserPost.res);
    expect(browserPost.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('trims a 304 for a client without Origin, and only then', () => {
    for (const [origin, kept] of [
      [undefined, false],
      ['https://a.example', true],
    ] as const) {
      const { res, headers } = fakeRes();
      cors.apply(req(origin), res);
      cors.trimNotModified(req(origin), res);
      expect(headers.has('access-control-allow-origin')).toBe(kept);
      expect(headers.has('access-control-expose-headers')).toBe(kept);
    }
  });
});

describe('Cors with an allowlist', () => {
  const cors = new Cors(['https://App.example.com/', 'http://localhost:3000']);
  it('echoes a listed origin with credentials and Vary: Origin', () => {
    const { res, headers } = fakeRes();
    cors.apply(req('https://app.example.com'), res);
    expect(headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(headers.get('access-control-allow-credentials')).toBe('true');
    expect(headers.get('vary')).toBe('Origin');
  });

  it.each(['https://evil.example', 'null', 'https://app.example.com.evil.example', 'http://app.example.com'])(
    'refuses %s, and its preflight gets 403 without ACAO',
    (origin) => {
      expect(cors.allows(origin)).toBe(false);
      const { res, headers, status } = fakeRes();
      cors.preflight(req(origin), res);
      expect(status()).toBe(403);
      expect(headers.has('access-control-allow-origin')).toBe(false);
      expect(headers.get('vary')).toBe('Origin');
    },
  );

  it('answers a preflight of a listed origin with the methods and headers the endpoints need', () => {
    const { res, headers, status } = fakeRes();
    cors.preflight(req('http://localhost:3000'), res);
    expect(status()).toBe(204);
    expect(headers.get('access-control-allow-methods')).toContain('POST');
    expect(headers.get('access-control-allow-headers')).toContain('Last-Event-ID');
    expect(headers.get('access-control-allow-headers')).toContain('Authorization');
  });

  it('varies by Origin even for a request without one (caches must not mix them)', () => {
    const { res, headers } = fakeRes();
    cors.apply(req(), res);
    expect(headers.get('vary')).toBe('Origin');
    expect(headers.has('access-control-allow-origin')).toBe(false);
  });
});

describe('normalizeOrigin', () => {
  it.each(['null', '*.example.com', 'https://*.example.com', 'https://a.example/path', 'a.example', ''])(
    'refuses %j',
    (o) => {
      expect(() => normalizeOrigin(o)).toThrow('allowedOrigins');
    },
  );
  it('lower-cases and drops a trailing slash', () => {
    expect(normalizeOrigin('HTTPS://A.Example:8443/')).toBe('https://a.example:8443');
  });
});
