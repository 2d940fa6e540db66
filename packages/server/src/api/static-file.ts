import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { HeraldError } from '@herald/core';

const gzipAsync = promisify(gzip);

/** Compressing tiny files costs more than it saves (as for the web assets). */
const GZIP_MIN_BYTES = 1024;

interface File {
  body: Buffer;
  etag: string;
  /** The body gzipped at level 9, made once: the SDK is ~34 KB raw and ~12 KB so. */
  gzip: Buffer | undefined;
}

async function load(path: string): Promise<File> {
  const body = await readFile(path);
  const gzip = body.length >= GZIP_MIN_BYTES ? await gzipAsync(body, { level: 9 }) : undefined;
  return { body, etag: `"${body.length}-${hash(body)}"`, gzip };
}

/**
 * Serves one fixed file (the browser SDK at `/herald.js`), read once and kept in memory, with an
 * ETag so browsers revalidate cheaply, gzipped for clients that accept it. The path comes from
 * configuration, never from the request.
 */
export function staticFile(path: string, contentType: string) {
  let cached: Promise<File> | undefined;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    cached ??= load(path);
    const file = await cached.catch(() => {
      cached = undefined;
      throw new HeraldError('not_found', 'the file is not built (run npm run build)');
    });
    const gzipped = file.gzip !== undefined && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
    // One tag per encoding, so that a cache never answers a revalidation with the other body.
    const etag = gzipped ? `${file.etag.slice(0, -1)}-gz"` : file.etag;
    const vary = file.gzip === undefined ? {} : { vary: 'accept-encoding' };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, ...vary });
      res.end();
      return;
    }
    const body = gzipped ? (file.gzip as Buffer) : file.body;
    res.writeHead(200, {
      'content-type': contentType,
      'content-length': body.length,
      etag,
      'cache-control': 'no-cache',
      ...vary,
      ...(gzipped ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(body);
  };
}

function hash(body: Buffer): string {
  let h = 0;
  for (let i = 0; i < body.length; i++) h = (h * 31 + (body[i] as number)) | 0;
  return (h >>> 0).toString(36);
}
