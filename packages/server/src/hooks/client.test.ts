import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HookFailure, postHook } from './client.ts';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    switch (req.url) {
      case '/ok':
        res.end('{"allow":true}');
        return;
      case '/refuse':
        res.writeHead(403).end('no');
        return;
      case '/broken':
        res.writeHead(502).end();
        return;
      case '/big':
        res.end(`"${'x'.repeat(2048)}"`);
        return;
      case '/redirect':
        res.writeHead(302, { location: '/ok' }).end();
        return;
      case '/not-json':
        res.end('<html>');
        return;
      default:
        return; // hangs
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

// Generous for answers (a busy machine), short only where the timeout itself is tested.
const call = { timeoutMs: 5_000, headers: {}, maxBytes: 1024 };

describe('postHook', () => {
  it('reads a 2xx JSON answer; any 4xx is a refusal', async () => {
    expect(await postHook(`${base}/ok`, {}, call)).toEqual({ refused: false, body: { allow: true } });
    expect(await postHook(`${base}/refuse`, {}, call)).toEqual({ refused: true });
  });

  it('fails on 5xx, oversized or non-JSON answers, redirects, and after the timeout', async () => {
    for (const path of ['/broken', '/big', '/not-json', '/redirect']) {
      await expect(postHook(`${base}${path}`, {}, call), path).rejects.toBeInstanceOf(HookFailure);
    }
    await expect(postHook(`${base}/hang`, {}, { ...call, timeoutMs: 200 })).rejects.toThrow(/timed out/);
    await expect(postHook('http://127.0.0.1:1/none', {}, call)).rejects.toBeInstanceOf(HookFailure);
  });
});
