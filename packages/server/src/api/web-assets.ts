import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, posix, relative, sep } from 'node:path';
import { CompressedBody } from '../http/compressed-body.ts';
import type { PublicHandler } from '../router.ts';

/** Content types of what scripts/build-web.mjs writes (anything else is served as bytes). */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Pages get a Content-Security-Policy: scripts and connections to this origin only (ws/wss of the same
 * host count as 'self' in CSP 3), so an injected message text can never load or run anything.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'referrer-policy': 'no-referrer',
};

/** One file, read at start; its compressed forms are made on first use. */
interface Asset {
  readonly type: string;
  readonly file: CompressedBody;
  readonly page: boolean;
}

/** A route the hub adds for the web directory. */
export interface WebRoute {
  readonly path: string;
  readonly handler: PublicHandler;
}

/**
 * The routes serving a built web directory (web/dist): `index.html` at `/`, `dashboard.html` at
 * `/dashboard`, every other top-level `<name>.html` at `/demo/<name>`, and the files under `assets/`
 * at their own path. The directory is read once, here: each file becomes an exact route, so a
 * request path never reaches the filesystem (no traversal, no probing) and a rebuild needs a restart.
 * Throws, naming the option, when `dir` is not a readable directory.
 */
export function webRoutes(dir: string): WebRoute[] {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    entries = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch (error) {
    throw new Error(`webDir: cannot read ${dir}: ${(error as Error).message}`);
  }
  const routes: WebRoute[] = [];
  for (const entry of entries) {
    const file = join(dir, entry);
    if (!statSync(file).isFile()) continue;
    const rel = relative(dir, file).split(sep).join(posix.sep);
    const path = urlPath(rel);
    if (path === undefined) continue;
    routes.push({ path, handler: serve(load(file, path !== `/${rel}`)) });
  }
  return routes;
}

/** Where a file is served, or undefined for files that are not part of the site. */
function urlPath(rel: string): string | undefined {
  // Plain names only: `:` and `*` mean parameters and wildcards to the router.
  if (!/^[A-Za-z0-9._/-]+$/.test(rel)) return undefined;
  if (rel.startsWith('assets/')) return `/${rel}`;
  if (rel.includes('/') || !rel.endsWith('.html')) return undefined;
  const name = rel.slice(0, -'.html'.length);
  if (name === 'index') return '/';
  if (name === 'dashboard') return '/dashboard';
  return `/demo/${name}`;
}

function load(file: string, page: boolean): Asset {
  const body = readFileSync(file);
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  const compressible = type.startsWith('text/') || type.startsWith('application/json') || type === 'image/svg+xml';
  return { type, file: new CompressedBody(body, etag, compressible), page };
}

function serve(asset: Asset): PublicHandler {
  const { file } = asset;
  return async (req: IncomingMessage, res: ServerResponse) => {
    // Weak validators would do too; one tag per coding keeps caches from mixing the bodies.
    const { coding, etag } = file.choose(req.headers['accept-encoding']);
    const headers: Record<string, string | number> = {
      etag,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      ...(file.varies ? { vary: 'accept-encoding' } : {}),
      ...(asset.page ? PAGE_HEADERS : {}),
    };
    if (matches(req.headers['if-none-match'], etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const body = await file.bytes(coding);
    res.writeHead(200, {
      ...headers,
      'content-type': asset.type,
      'content-length': body.length,
      ...(coding === undefined ? {} : { 'content-encoding': coding }),
    });
    res.end(body);
  };
}

/** `If-None-Match` may list several tags, or `*`. */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
