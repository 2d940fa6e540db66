import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const LIMIT = 1024 * 1024;
let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ maxBlobBytes: LIMIT, shutdownTimeoutMs: 300 });
});
afterAll(() => s.close());

/** What happened to a request that said `Expect: 100-continue`. */
interface Exchange {
  /** True when the hub sent `100 Continue` (the body was then written). */
  continued: boolean;
  status: number;
  body: string;
  /** The answer's Connection header. */
  connection: string | undefined;
}

/**
 * Sends the headers of a request with `Expect: 100-continue` and writes `body` only if the hub says
 * `100 Continue`, as curl and other careful clients do; resolves with the final answer.
 */
function expectContinue(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<Exchange> {
  const { hostname, port } = new URL(s.url);
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = request({
      host: hostname,
      port,
      method,
      path,
      agent: false,
      headers: { ...headers, expect: '100-continue', 'content-length': String(body.length) },
    });
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        resolve({ continued, status: res.statusCode ?? 0, body: text, connection: res.headers.connection });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

const upload = Buffer.alloc(200_000, 7);

describe('Expect: 100-continue', () => {
  it('an unauthenticated blob PUT gets its 401 before any 100 Continue, so it never uploads', async () => {
    const answer = await expectContinue('PUT', '/v1/blobs/clip.webm', { 'content-type': 'video/webm' }, upload);
    expect(answer).toMatchObject({ continued: false, status: 401 });
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'unauthorized' } });
    // The body the client did not send cannot be told from a next request: the connection ends.
    expect(answer.connection).toBe('close');
    expect((await fetch(`${s.url}/v1/blobs/clip.webm`, { method: 'HEAD' })).status).toBe(404);
  });

  it('a wrong key and a blob declared over the limit are refused before 100 Continue too', async () => {
    const wrongKey = await expectContinue(
      'PUT',
      '/v1/blobs/clip.webm',
      { authorization: 'Bearer not-the-key', 'content-type': 'video/webm' },
      upload,
    );
    expect(wrongKey).toMatchObject({ continued: false, status: 401 });
    const tooBig = await expectContinue(
      'PUT',
      '/v1/blobs/big.bin',
      { authorization: `Bearer ${s.apiKey}` },
      Buffer.alloc(LIMIT + 1),
    );
    expect(tooBig).toMatchObject({ continued: false, status: 413 });
  });

  it('an authorized blob PUT gets 100 Continue, uploads and is stored', async () => {
    const answer = await expectContinue(
      'PUT',
      '/v1/blobs/clip.webm',
      { authorization: `Bearer ${s.apiKey}`, 'content-type': 'video/webm' },
      upload,
    );
    expect(answer).toMatchObject({ continued: true, status: 201 });
    expect(JSON.parse(answer.body)).toMatchObject({ name: 'clip.webm', size: upload.length });
  });

  it('publishing: 401 without credentials before 100 Continue, 201 after it with them', async () => {
    const path = '/v1/channels/expect-continue/messages';
    const body = Buffer.from(JSON.stringify({ data: { hello: 'world' } }));
    const refused = await expectContinue('POST', path, { 'content-type': 'application/json' }, body);
    expect(refused).toMatchObject({ continued: false, status: 401 });
    const accepted = await expectContinue(
      'POST',
      path,
      { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' },
      body,
    );
    expect(accepted).toMatchObject({ continued: true, status: 201 });
    expect(JSON.parse(accepted.body)).toMatchObject({ channel: 'expect-continue', offset: 1 });
  });
});
