import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, expectHealthy, type HostileHub, send, startHub } from './hostile-kit.ts';

// Path traversal through blob names (nothing user-supplied reaches a file path unescaped).
// Blobs live in files under blobDir; no name may write, read or delete anything outside it.
const root = mkdtempSync(join(tmpdir(), 'herald-hostile-'));
const blobDir = join(root, 'blobs');
let hub: HostileHub;

beforeAll(async () => {
  hub = await startHub({ blobDir });
});
afterEach(() => expectHealthy(hub));
afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});

/** Every file under `dir`, as paths relative to `root`. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f).slice(root.length));
}

const put = (name: string) =>
  send(hub, `/v1/blobs/${name}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${hub.apiKey}`, 'content-type': 'application/octet-stream' },
    body: 'owned',
  });

describe('blob names', () => {
  it.each([
    ['an encoded ../', '..%2F..%2Fescape'],
    ['an encoded ..\\', '..%5C..%5Cescape'],
    ['a leading dot (hidden file)', '.hidden'],
    ['a NUL byte', 'a%00.txt'],
    ['dot-dot inside a name', 'a..b'],
    ['121 characters', 'b'.repeat(121)],
    ['a colon (Windows stream / drive)', 'c%3Aescape'],
    ['CR LF', 'a%0D%0Ab'],
  ])('%s is a 400 for PUT, GET and DELETE, and nothing is written outside blobDir', async (_name, name) => {
    const before = files(root);
    const a = await put(name);
    expect([a.status, codeOf(a)]).toEqual([400, 'bad_request']);
    for (const method of ['GET', 'DELETE']) {
      const b = await send(hub, `/v1/blobs/${name}`, { method, headers: { authorization: `Bearer ${hub.apiKey}` } });
      expect([b.status, codeOf(b)]).toEqual([400, 'bad_request']);
    }
    expect(files(root)).toEqual(before);
  });

  it.each([
    ['a raw ../ segment', '../escape'],
    ['an encoded dot-dot segment', '%2E%2E'],
  ])('%s is normalized away by the URL parser (404: no blob route)', async (_name, name) => {
    const before = files(root);
    const a = await put(name);
    expect([a.status, codeOf(a)]).toEqual([404, 'not_found']);
    expect(files(root)).toEqual(before);
  });

  it('a good name is stored inside blobDir only', async () => {
    expect((await put('fine.txt')).status).toBe(201);
    expect(files(root).every((f) => f === '/blobs' || f.startsWith('/blobs/'))).toBe(true);
    expect((await send(hub, '/v1/blobs/fine.txt')).body).toBe('owned');
  });
});
