import { describe, expect, it } from 'vitest';
import { parseBridgesConfig } from './config.ts';
import { Mapper, type SourceMessage } from './mapping.ts';

function mapper(extra: Record<string, unknown> = {}): Mapper {
  const [config] = parseBridgesConfig([
    { type: 'nats', name: 'n', subjects: ['orders.>'], match: 'orders.{id}', channel: 'order:{id}', ...extra },
  ]);
  return new Mapper(config!);
}

const msg = (body: string | Uint8Array, more: Partial<SourceMessage> = {}): SourceMessage => ({
  key: 'orders.42',
  body,
  ...more,
});

describe('Mapper', () => {
  it('takes the event and data from a JSON envelope, else the whole object is the data', () => {
    expect(mapper().map(msg('{"event":"paid","data":{"total":3}}'))).toEqual({
      channel: 'order:42',
      input: { event: 'paid', data: { total: 3 } },
      idempotencyKey: undefined,
    });
    expect(mapper().map(msg('{"total":3}'))).toMatchObject({ input: { event: undefined, data: { total: 3 } } });
    expect(mapper({ dataField: null }).map(msg('{"event":"paid","data":1}'))).toMatchObject({
      input: { event: 'paid', data: { event: 'paid', data: 1 } },
    });
  });

  it('reads other bytes as text, unless JSON is required', () => {
    expect(mapper().map(msg('hello'))).toMatchObject({ input: { data: 'hello' } });
    expect(mapper({ format: 'text' }).map(msg('{"a":1}'))).toMatchObject({ input: { data: '{"a":1}' } });
    expect(mapper({ format: 'json' }).map(msg('hello'))).toMatchObject({ reason: 'not_json' });
    expect(mapper().map(msg(new Uint8Array([0xff, 0xfe])))).toMatchObject({ reason: 'not_utf8' });
  });

  it('prefers the source event, then the payload, then the configured template', () => {
    const m = mapper({ event: 'order.{id}' });
    expect(m.map(msg('{"event":"paid"}', { event: 'refunded' }))).toMatchObject({ input: { event: 'refunded' } });
    expect(m.map(msg('{"event":"paid"}'))).toMatchObject({ input: { event: 'paid' } });
    expect(m.map(msg('1'))).toMatchObject({ input: { event: 'order.42', data: 1 } });
  });

  it('finds poison: no match, a bad channel or event, too large', () => {
    expect(mapper().map(msg('1', { key: 'invoices.1' }))).toMatchObject({ reason: 'no_match' });
    expect(mapper().map(msg('1', { key: 'orders.a*b' }))).toMatchObject({ reason: 'bad_channel' });
    expect(mapper().map(msg('{"event":"a b"}'))).toMatchObject({ reason: 'bad_event' });
    expect(mapper({ maxMessageBytes: 3 }).map(msg('"abcd"'))).toMatchObject({ reason: 'too_large' });
  });

  it('takes the idempotency key from the source id, a header or a payload field', () => {
    expect(mapper().map(msg('1', { sourceId: 'm-1' }))).toMatchObject({ idempotencyKey: 'm-1' });
    expect(mapper({ idempotencyKey: 'none' }).map(msg('1', { sourceId: 'm-1' }))).toMatchObject({
      idempotencyKey: undefined,
    });
    const header = (name: string) => (name === 'x-id' ? 'h-1' : undefined);
    expect(mapper({ idempotencyKey: 'header:x-id' }).map(msg('1', { header }))).toMatchObject({
      idempotencyKey: 'h-1',
    });
    expect(mapper({ idempotencyKey: 'payload:id' }).map(msg('{"id":7}'))).toMatchObject({ idempotencyKey: '7' });
    // Keys a remote hub would refuse (spaces, > 256 chars) are hashed, the same way every time.
    const spaced = mapper().map(msg('1', { sourceId: 'has space' }));
    expect(spaced).toMatchObject({ idempotencyKey: expect.stringMatching(/^sha256:[\w-]{43}$/) });
    expect(mapper().map(msg('1', { sourceId: 'has space' }))).toEqual(spaced);
  });
});
