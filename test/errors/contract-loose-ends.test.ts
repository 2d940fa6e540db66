import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// Places where the code and the contract (docs/protocol.md, docs/http-api.md) once disagreed.
const secret = 'a-test-secret-that-is-long-enough-for-hs256';
let s: TestServer;
let auth: Record<string, string>;

beforeAll(async () => {
  s = await startTestServer({ jwt: { secret } });
  auth = { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' };
});
afterAll(() => s.close());

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, code: body.error.code, message: body.error.message };
}

describe('a channel name longer than the router allows', () => {
  it.each([129, 257, 300, 2000])('%i characters is 400 bad_request on every channel route, never 404', async (n) => {
    const name = 'a'.repeat(n);
    const routes: Array<[string, RequestInit]> = [
      [`/v1/channels/${name}/messages`, {}],
      [`/v1/channels/${name}/messages`, { method: 'POST', headers: auth, body: '{"data":1}' }],
      [`/v1/channels/${name}`, {}],
      [`/v1/channels/${name}/presence`, {}],
    ];
    for (const [path, init] of routes) {
      const e = await errorOf(await fetch(`${s.url}${path}`, init));
      expect([path.slice(0, 20), e.status, e.code]).toEqual([path.slice(0, 20), 400, 'bad_request']);
    }
  });

  it('a long blob name is 400 too', async () => {
    const e = await errorOf(await fetch(`${s.url}/v1/blobs/${'b'.repeat(300)}`));
    expect([e.status, e.code]).toEqual([400, 'bad_request']);
  });
});

describe('POST /v1/publish with one bad item', () => {
  it('a channel that is not a string gets its own error; the other items publish', async () => {
    const res = await fetch(`${s.url}/v1/publish`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        messages: [
          { channel: 'multi:a', data: 1 },
          { channel: 5, data: 2 },
          { channel: 'multi:b', data: 3 },
          'not an object',
          { channel: 'multi:c' },
          { channel: 'multi:d', data: 4, event: 7 },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Array<Record<string, unknown>> };
    expect(results).toHaveLength(6);
    expect(results[0]).toMatchObject({ channel: 'multi:a', offset: 1 });
    expect(results[1]).toMatchObject({ channel: null, error: { code: 'bad_request' } });
    expect(results[2]).toMatchObject({ channel: 'multi:b', offset: 1 });
    expect(results[3]).toMatchObject({ channel: null, error: { code: 'bad_request' } });
    expect(results[4]).toMatchObject({ channel: 'multi:c', error: { code: 'bad_request' } });
    expect(results[5]).toMatchObject({ channel: 'multi:d', error: { code: 'bad_request' } });
    const info = (await (await fetch(`${s.url}/v1/channels/multi:c`)).json()) as { lastOffset: number };
    expect(info.lastOffset).toBe(0);
  });

  it('a body that is not {"messages": [...]} is still a 400 as a whole', async () => {
    for (const body of ['{"messages": 5}', '[]', '{"messages": []}']) {
      const res = await fetch(`${s.url}/v1/publish`, { method: 'POST', headers: auth, body });
      expect(res.status).toBe(400);
    }
  });
});

describe('blob ranges (RFC 9110 section 14)', () => {
  const ten = Buffer.from('0123456789');
  beforeAll(async () => {
    const put = await fetch(`${s.url}/v1/blobs/ten`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(ten),
    });
    expect(put.status).toBe(201);
  });
  const get = (range: string) => fetch(`${s.url}/v1/blobs/ten`, { headers: { range } });

  it('a suffix longer than the blob is 206 with the whole blob', async () => {
    const res = await get('bytes=-20');
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 0-9/10');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(ten);
  });

  it('a suffix within the blob is 206 with its end; a zero suffix is 416', async () => {
    const res = await get('bytes=-3');
    expect([res.status, res.headers.get('content-range'), await res.text()]).toEqual([206, 'bytes 7-9/10', '789']);
    const zero = await get('bytes=-0');
    expect([zero.status, zero.headers.get('content-range')]).toEqual([416, 'bytes */10']);
  });

  it('ranges that overlap or touch are merged into one 206; disjoint ones get 200, as documented', async () => {
    const merged = await get('bytes=0-2,3-4,4-5');
    expect([merged.status, merged.headers.get('content-range'), await merged.text()]).toEqual([
      206,
      'bytes 0-5/10',
      '012345',
    ]);
    const disjoint = await get('bytes=0-1,5-6');
    expect([disjoint.status, await disjoint.text()]).toEqual([200, '0123456789']);
    const doc = readFileSync(new URL('../../docs/http-api.md', import.meta.url), 'utf8');
    expect(doc).toMatch(/overlap or touch[^\n]*one `206`/);
    expect(doc).toMatch(/disjoint ranges[^\n]*`200`/);
  });
});

describe('refused credentials', () => {
  const pull = (headers: Record<string, string>, query = '') =>
    fetch(`${s.url}/v1/channels/private-ok/messages${query}`, { headers });

  it('every refused token gets the same 401 answer, whatever is wrong with it', async () => {
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(secret));
    const refused = [
      await pull({ authorization: 'Bearer not-a-key' }),
      await pull({ authorization: `Bearer ${expired}` }),
      await pull({ authorization: 'Basic dXNlcjpwYXNz' }),
      await pull({ authorization: 'Bearer' }),
      await pull({ authorization: 'Bearer a b' }),
      await pull({}, '?token=not-a-key'),
      await pull({}, `?token=${'x'.repeat(9000)}`),
    ];
    const answers = await Promise.all(refused.map(async (r) => ({ status: r.status, body: await r.text() })));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]?.status).toBe(401);
  });

  it('a missing credential may say what it needs, and differs from a refused one', async () => {
    const pub = await fetch(`${s.url}/v1/channels/x/messages`, { method: 'POST', body: '{"data":1}' });
    const e = await errorOf(pub);
    expect([e.status, e.code]).toEqual([401, 'unauthorized']);
    expect(e.message).toMatch(/needs credentials/);
  });
});
