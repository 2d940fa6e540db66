import { connect } from 'node:net';
import { ERROR_CATALOG } from '@herald/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectHealthy, type HostileHub, startHub } from '../security/hostile-kit.ts';
import { errorLog, FUZZ, FUZZ_TEST_TIMEOUT } from './budget.ts';

// Fuzzing the HTTP front door on loopback (threat T2 in SECURITY.md): random methods, paths, query parameters, headers
// and bodies, sent as raw bytes. Whatever comes in, the hub answers (never 5xx, never silence), error
// answers have the catalog's JSON shape, nothing is logged as an internal error, and it stays healthy.
const log = errorLog();
let hub: HostileHub;

beforeAll(async () => {
  hub = await startHub({
    logger: log.logger,
    longPollMaxMs: 100,
    maxPublishRatePerConnection: 0,
    maxPublishRatePerPrincipal: 0,
  });
});
afterAll(() => hub.close());

const CODES = new Set(Object.keys(ERROR_CATALOG));
const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});
const anyBytes = fc.string({ unit: 'binary', maxLength: 40 });
const channelish = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,20}$/),
  fc.constantFrom('..', '.', '%2e%2e', 'a%2Fb', 'a%00', 'x'.repeat(129), 'user:1:*', '%E2%80%A8'),
  anyBytes.map(encodeURIComponent),
);
const cursorish = fc.oneof(
  fc.constantFrom('0', 'E:1', 'abc', 'E:-1', 'E:1e309', 'E:9007199254740993', '0,0', 'x'.repeat(200)),
  fc.tuple(fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/), fc.nat()).map(([e, o]) => `${e}:${o}`),
  printable,
);
const path = fc.oneof(
  channelish.map((c) => `/v1/channels/${c}/messages`),
  channelish.map((c) => `/v1/channels/${c}`),
  fc.constantFrom('/v1/events', '/v1/publish', '/healthz', '/readyz', '/v1/stats', '/metrics', '/', '//x', '/v1/ws'),
  printable.map((p) => `/${encodeURI(p)}`),
);
const param = fc.tuple(
  fc.constantFrom('after', 'limit', 'wait', 'channel', 'token', 'x', '__proto__', '%74oken'),
  fc.oneof(cursorish, fc.integer({ min: -5, max: 5000 }).map(String), fc.constantFrom('0.5', '1e3', '', 'NaN')),
);
const query = fc
  .array(param, { maxLength: 6 })
  .map((ps) => (ps.length === 0 ? '' : `?${ps.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`));
const header = fc.oneof(
  fc.tuple(
    fc.constant('Accept'),
    fc.oneof(
      fc.constantFrom('text/event-stream', 'application/x-ndjson', 'application/json', '*/*', 'text/html'),
      printable,
    ),
  ),
  fc.tuple(
    fc.constant('Content-Type'),
    fc.oneof(fc.constantFrom('application/json', 'text/plain', 'application/merge+json'), printable),
  ),
  fc.tuple(
    fc.constant('Authorization'),
    fc.oneof(fc.constantFrom('Bearer test-key', 'Bearer x.y.z', 'Basic abc'), printable),
  ),
  fc.tuple(
    fc.constantFrom('Last-Event-ID', 'Idempotency-Key', 'Origin', 'If-None-Match', 'X-Forwarded-For'),
    printable,
  ),
  fc.tuple(fc.constant('X-Raw'), anyBytes),
);
const body = fc.oneof(
  fc.constant(''),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ data: v })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc
    .array(fc.record({ data: fc.jsonValue({ maxDepth: 2 }), event: fc.option(printable, { nil: undefined }) }), {
      maxLength: 4,
    })
    .map((items) => JSON.stringify(items)),
  fc
    .record({ messages: fc.array(fc.record({ channel: channelish, data: fc.integer() }), { maxLength: 4 }) })
    .map((b) => JSON.stringify(b)),
  anyBytes,
);
const request = fc.record({
  method: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH'),
  path,
  query,
  headers: fc.array(header, { maxLength: 5 }),
  body,
});

/** What the hub answered: status, content type and body, read on a raw socket. */
interface Exchange {
  status: number;
  type: string;
  body: string;
}

function exchange(bytes: Buffer): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(hub.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer within 5 s'));
    }, 5_000);
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = end === -1 ? text : text.slice(0, end);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const type = /\r\ncontent-type: ([^\r]*)/i.exec(head)?.[1] ?? '';
      resolve({ status, type, body: end === -1 ? '' : Buffer.from(text.slice(end + 4), 'latin1').toString() });
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // A stream that started (SSE, NDJSON) never ends by itself: its head is the answer.
      const text = Buffer.concat(chunks).toString('latin1');
      if (
        /\r\n\r\n/.test(text) &&
        /^HTTP\/1\.1 200[\s\S]*content-type: (text\/event-stream|application\/x-ndjson)/i.test(text)
      )
        finish();
    });
    socket.on('close', finish);
    socket.on('error', () => {});
    socket.on('connect', () => socket.write(bytes));
  });
}

type FuzzRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

function toBytes(r: FuzzRequest): Buffer {
  const body = Buffer.from(r.body, r.body === '' ? 'utf8' : 'latin1');
  const lines = [
    `${r.method} ${r.path}${r.query} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    ...r.headers.map(([k, v]) => `${k}: ${v}`),
    `Content-Length: ${body.length}`,
  ];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

describe('HTTP front door fuzz', () => {
  it(
    'every request gets a non-5xx answer with the catalog error shape, and the hub stays healthy',
    async () => {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const a = await exchange(toBytes(r));
          expect(a.status, `answer to ${r.method} ${r.path}${r.query}`).toBeGreaterThanOrEqual(200);
          expect(a.status).toBeLessThan(500);
          if (a.status >= 400 && a.type.startsWith('application/json') && r.method !== 'HEAD') {
            const code = (JSON.parse(a.body) as { error: { code: string } }).error.code;
            expect(CODES.has(code)).toBe(true);
          }
        }),
        FUZZ,
      );
      expect(log.lines).toEqual([]);
      await expectHealthy(hub);
    },
    FUZZ_TEST_TIMEOUT,
  );
});
