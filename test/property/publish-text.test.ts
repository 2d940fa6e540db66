import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalInput } from '../../packages/server/src/api/publish-text.ts';

// A body taken as text must give exactly what the parser path stores: data = JSON.stringify(data of
// JSON.parse(body)), event as parsed. Whatever it takes must be valid JSON of that shape.
const RUN = { seed: 20_261_202, numRuns: 3_000 } as const;

/** What the parser path makes of a body, or undefined when it is not a single-message object. */
function parsed(text: string): { event: unknown; json: string } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { data, event } = body as Record<string, unknown>;
  if (data === undefined) return undefined;
  return { event, json: JSON.stringify(data) };
}

function expectSame(written: string): void {
  // What arrives: always valid UTF-8 (checked before); a lone surrogate is written as U+FFFD.
  const bytes = Buffer.from(written);
  const text = bytes.toString();
  const fast = canonicalInput(bytes);
  if (fast === undefined) return;
  const slow = parsed(text);
  expect(slow, text).toBeDefined();
  expect(fast.json, text).toBe(slow?.json);
  expect(fast.event, text).toBe(slow?.event);
}

/** Numbers written in the ways clients write them, tricky ones weighted in. */
const numberText = fc.oneof(
  fc.double().map((n) => (Number.isFinite(n) ? String(n) : '0')),
  fc.integer().map(String),
  fc.stringMatching(/^-?(0|[1-9][0-9]{0,20})(\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?$/),
  fc.constantFrom('-0', '0.0', '1.50', '0.000001', '0.0000001', '1e21', '123456789012345', '1234567890123456'),
);
/** Strings as text: plain, with escapes, control characters, non-ASCII. */
const stringText = fc.oneof(
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
  fc
    .string({ unit: fc.constantFrom('a', '0', '1', '\\', '"', 'u', '/', 'é', '\u2028', '\n', ' '), maxLength: 8 })
    .map((s) => `"${s}"`),
);
/** JSON-like text, valid or not, canonical or not. */
const valueText = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    numberText,
    stringText,
    fc.constantFrom('true', 'false', 'null', 'nul', ' 1', '1 '),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`),
  object: fc
    .array(fc.tuple(fc.oneof(stringText, fc.constantFrom('"a"', '"1"', '"__proto__"', '""')), tie('value')), {
      maxLength: 4,
    })
    .map((kvs) => `{${kvs.map(([k, v]) => `${k}:${v}`).join(',')}}`),
})).value;

describe('canonicalInput', () => {
  it('takes only bodies whose data and event are what parsing and serialising give', () => {
    const body = fc.oneof(
      valueText.map((d) => `{"data":${d}}`),
      fc.tuple(valueText, stringText).map(([d, e]) => `{"data":${d},"event":${e}}`),
      fc.tuple(valueText, stringText).map(([d, e]) => `{"event":${e},"data":${d}}`),
      fc.tuple(valueText, fc.string({ maxLength: 6 })).map(([d, s]) => `{"data":${d}${s}`),
    );
    fc.assert(fc.property(body, expectSame), RUN);
  });

  it('takes what JSON.stringify writes, ordinary data', () => {
    const data = fc.jsonValue({ maxDepth: 3 }).filter((v) => {
      const text = JSON.stringify(v);
      // Left to the parser: escapes, keys that start with a digit, numbers printed with an exponent
      // or with more than 15 digits.
      return !/\\|"[0-9][^"]*":|[0-9]e|[0-9.]{16}/.test(text);
    });
    fc.assert(
      fc.property(data, (d) => {
        const text = JSON.stringify({ data: d });
        expect(canonicalInput(Buffer.from(text))?.json).toBe(JSON.stringify(d));
      }),
      RUN,
    );
  });

  it('the bench body and the event forms', () => {
    const d = '{"t":12.5,"pad":"xxxx"}';
    expect(canonicalInput(Buffer.from(`{"data":${d}}`))).toEqual({ data: undefined, json: d });
    expect(canonicalInput(Buffer.from(`{"data":${d},"event":"chat"}`))).toEqual({
      event: 'chat',
      data: undefined,
      json: d,
    });
    expect(canonicalInput(Buffer.from(`{"event":"chat","data":${d}}`))).toEqual({
      event: 'chat',
      data: undefined,
      json: d,
    });
  });

  it('leaves to the parser what would store otherwise or is not one message', () => {
    for (const text of [
      '{"data":{"a":1,"a":2}}', // duplicate key: the last one stays
      '{"data":{"b":1,"1":2}}', // an index key goes first
      '{"data":1.50}',
      '{"data":-0}',
      '{"data":1e3}',
      '{"data":0.0000001}',
      '{"data":12345678901234567}',
      '{"data":"\\u0041"}',
      '{"data": 1}',
      '{"data":1}\n',
      '{"data":1,"data":2}',
      '{"event":"a","event":"b","data":1}',
      '[{"data":1}]',
      '{"data":tru}',
      '{"data":"x',
      '{"data":[1,]}',
    ]) {
      expect(canonicalInput(Buffer.from(text)), text).toBeUndefined();
    }
  });
});
