import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError } from '@herald/core';
import { CompressedBody } from '../http/compressed-body.ts';

async function load(path: string): Promise<CompressedBody> {
  const body = await readFile(path);
  return new CompressedBody(body, `"${body.length}-${hash(body)}"`, true);
}

/**
 * Serves one fixed file (the browser SDK at `/herald.js`), read once and kept in memory, with an
 * ETag so browsers revalidate cheaply, brotli- or gzip-compressed for clients that accept it. The
 * path comes from configuration, never from the request.
 */
export function staticFile(path: string, contentType: string) {
  let cached: Promise<CompressedBody> | undefined;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    cached ??= load(path);
    const file = await cached.catch(() => {
      cached = undefined;
      throw new HeraldError('not_found', 'the file is not built (run npm run build)');
    });
    const { coding, etag } = file.choose(req.headers['accept-encoding']);
    const vary = file.varies ? { vary: 'accept-encoding' } : {};
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, ...vary });
      res.end();
      return;
    }
    const body = await file.bytes(coding);
    res.writeHead(200, {
      'content-type': contentType,
      'content-length': body.length,
      etag,
      'cache-control': 'no-cache',
      ...vary,
      ...(coding === undefined ? {} : { 'content-encoding': coding }),
    });
    res.end(body);
  };
}

function hash(body: Buffer): string {
  let h = 0;
  for (let i = 0; i < body.length; i++) h = (h * 31 + (body[i] as number)) | 0;
  return (h >>> 0).toString(36);
}
