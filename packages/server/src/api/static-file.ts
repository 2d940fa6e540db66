import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError } from '@herald/core';

/**
 * Serves one fixed file (the browser SDK at `/herald.js`), read once and kept in memory, with an
 * ETag so browsers revalidate cheaply. The path comes from configuration, never from the request.
 */
export function staticFile(path: string, contentType: string) {
  let cached: Promise<{ body: Buffer; etag: string }> | undefined;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    cached ??= readFile(path).then((body) => ({ body, etag: `"${body.length}-${hash(body)}"` }));
    const file = await cached.catch(() => {
      cached = undefined;
      throw new HeraldError('not_found', 'the file is not built (run npm run build)');
    });
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, { etag: file.etag });
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': contentType,
      'content-length': file.body.length,
      etag: file.etag,
      'cache-control': 'no-cache',
    });
    res.end(file.body);
  };
}

function hash(body: Buffer): string {
  let h = 0;
  for (let i = 0; i < body.length; i++) h = (h * 31 + (body[i] as number)) | 0;
  return (h >>> 0).toString(36);
}
