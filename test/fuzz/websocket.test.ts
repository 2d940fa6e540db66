import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { expectHealthy, type HostileHub, rawWebSocket, startHub } from '../security/hostile-kit.ts';
import { errorLog, FUZZ, FUZZ_TEST_TIMEOUT } from './budget.ts';

// Fuzzing the WebSocket front door on loopback (threat T2 in SECURITY.md): random op frames on the multiplexed socket,
// and random raw frames (any opcode, RSV bits, masking, fragmentation, lengths) on a bound one.
const log = errorLog();
let hub: HostileHub;

beforeAll(async () => {
  hub = await startHub({
    logger: log.logger,
    maxPublishRatePerConnection: 0,
    maxPublishRatePerPrincipal: 0,
    maxWsOpsPerSecond: 0,
  });
});
afterAll(() => hub.close());

const text = fc.string({ maxLength: 40 });
const channel = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9:.-]{0,12}$/), text, fc.constant('x'.repeat(200)));
const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined));
const op = fc.record(
  {
    op: fc.oneof(
      fc.constantFrom('subscribe', 'unsubscribe', 'publish', 'ping', 'auth', 'presence'),
      text,
      fc.integer(),
    ),
    ref: fc.oneof(fc.integer(), text, fc.jsonValue({ maxDepth: 1 })),
    channel: fc.oneof(channel, value),
    after: fc.oneof(fc.constantFrom('0', 'E:1', 'zz', 'E:-1'), text, value),
    event: fc.oneof(fc.stringMatching(/^[a-z.]{1,10}$/), text, value),
    data: value,
    token: fc.oneof(fc.constantFrom('test-key', 'a.b.c'), text, value),
    info: value,
  },
  { requiredKeys: ['op'] },
);
/** A frame's text: an op, JSON that is not an op, or any text. */
const frame = fc.oneof(
  { weight: 6, arbitrary: op.map((o) => JSON.stringify(o)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: text },
);

function open(path: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${hub.url.replace('http', 'ws')}${path}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('WebSocket front door fuzz', () => {
  it(
    'random op frames on /v1/ws: the socket stays up, every reply is a known op, no internal error',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 8 }), fc.boolean(), async (frames, withKey) => {
          const ws = await open('/v1/ws', withKey ? { authorization: 'Bearer test-key' } : {});
          const replies: Array<{ op?: string; code?: string; ref?: unknown }> = [];
          let closed: number | undefined;
          ws.on('close', (code) => {
            closed = code;
          });
          const done = new Promise<void>((resolve) =>
            ws.on('message', (d) => {
              const reply = JSON.parse(d.toString()) as { op?: string; code?: string; ref?: unknown };
              replies.push(reply);
              if (reply.op === 'pong' && reply.ref === 'fuzz-end') resolve();
            }),
          );
          for (const f of frames) ws.send(f);
          ws.send('{"op":"ping","ref":"fuzz-end"}');
          await done;
          expect(closed).toBeUndefined();
          for (const r of replies) {
            expect(['ok', 'error', 'pong', 'message', 'reset', 'join', 'leave']).toContain(r.op);
            expect(r.code).not.toBe('internal');
          }
          ws.terminate();
        }),
        { ...FUZZ, numRuns: Math.ceil(FUZZ.numRuns / 2) },
      );
      expect(log.lines).toEqual([]);
      await expectHealthy(hub);
    },
    FUZZ_TEST_TIMEOUT,
  );

  const rawFrame = fc.record({
    opcode: fc.integer({ min: 0, max: 15 }),
    payload: fc.uint8Array({ maxLength: 200 }),
    fin: fc.boolean(),
    mask: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    rsv: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }) }),
    // A false length is always past the frame limit: a shorter lie would only make the hub wait for bytes.
    announce: fc.option(fc.bigInt({ min: 1_048_577n, max: 2n ** 64n - 1n }), { nil: undefined, freq: 10 }),
  });

  it(
    'random raw frames on a bound socket end in a normal or protocol close code, never 1011',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(rawFrame, { minLength: 1, maxLength: 5 }), async (frames) => {
          const ws = await rawWebSocket(hub.port, '/v1/channels/fuzz/messages');
          expect(ws.status).toBe(101);
          for (const f of frames) {
            const { payload, announce, ...options } = f;
            ws.send(f.opcode, Buffer.from(payload), announce === undefined ? options : { ...options, announce });
          }
          // A well-formed close last: the hub echoes it, unless the frames above already made it close.
          ws.send(0x8, Buffer.from([0x03, 0xe8]));
          const code = await ws.closeCode(3_000);
          expect([1000, 1002, 1007, 1008, 1009]).toContain(code);
          ws.socket.destroy();
        }),
        { ...FUZZ, numRuns: Math.ceil(FUZZ.numRuns / 2) },
      );
      expect(log.lines).toEqual([]);
      await expectHealthy(hub);
    },
    FUZZ_TEST_TIMEOUT,
  );
});
