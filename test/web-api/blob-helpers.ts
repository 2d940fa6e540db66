import { request } from 'node:http';
import type { HubAddress } from '../helpers/http.ts';

/** Deterministic bytes, so a slice can be checked against its position. */
export function pattern(size: number, seed = 7): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** `PUT /v1/blobs/{name}` with the API key (unless other headers replace it). */
export function putBlob(
  hub: HubAddress,
  name: string,
  body: Uint8Array | string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${hub.url}/v1/blobs/${name}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${hub.apiKey}`, 'content-type': 'application/octet-stream', ...headers },
    // A copy backed by a plain ArrayBuffer, which is what fetch's BodyInit type accepts.
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
}

/** `GET /v1/blobs/{name}` with extra headers. */
export function getBlob(hub: HubAddress, name: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${hub.url}/v1/blobs/${name}`, { headers });
}

/** What a raw node:http exchange gave back. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A request on a raw node:http socket, path sent exactly as given (fetch would normalize `..` and
 * escapes). `chunks` are written one by one (chunked transfer coding unless a content-length is set);
 * `cut` destroys the socket after the chunks instead of ending the request.
 */
export function rawRequest(
  hub: HubAddress,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; chunks?: Buffer[]; cut?: boolean } = {},
): Promise<RawAnswer> {
  const url = new URL(hub.url);
  return new Promise((resolve, reject) => {
    // A fresh connection each time (no keep-alive agent): a refused request must not leave state behind.
    const req = request(
      { host: url.hostname, port: url.port, method, path, headers: options.headers ?? {}, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', (error) => (options.cut ? resolve({ status: 0, headers: {}, body: '' }) : reject(error)));
    (async () => {
      for (const chunk of options.chunks ?? []) {
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      }
      if (options.cut) {
        // Let the chunks reach the server before the connection is cut.
        await new Promise((r) => setTimeout(r, 100));
        req.destroy();
      } else {
        req.end();
      }
    })().catch(reject);
  });
}
