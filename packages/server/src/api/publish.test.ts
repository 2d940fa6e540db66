import { describe, expect, it } from 'vitest';
import { publishedJson } from './publish.ts';

// The publish answer is written as text; it must be the very JSON (same keys, same order) that
// JSON.stringify gave for the objects it replaced.
describe('publishedJson', () => {
  const epoch = 'Ab_-9z01';
  const time = 1_796_170_002_245;

  it('one message: {"channel","epoch","offset","cursor","time"}', () => {
    const result = { epoch, messages: [{ offset: 7, time }], duplicate: false };
    for (const channel of ['c', 'a_b.c:d@e-f', `x${'y'.repeat(127)}`]) {
      expect(publishedJson(channel, result, false)).toBe(
        JSON.stringify({ channel, epoch, offset: 7, cursor: `${epoch}:7`, time }),
      );
    }
  });

  it('a batch: {"channel","epoch","messages":[{"offset","cursor","time"}, …]}, one item included', () => {
    for (const offsets of [[1], [41, 42, 43]]) {
      const messages = offsets.map((offset) => ({ offset, time: time + offset }));
      const expected = {
        channel: 'ns:room',
        epoch,
        messages: messages.map((m) => ({ offset: m.offset, cursor: `${epoch}:${m.offset}`, time: m.time })),
      };
      expect(publishedJson('ns:room', { epoch, messages, duplicate: false }, true)).toBe(JSON.stringify(expected));
    }
  });

  it('a single publish with no written message is an internal error, not a malformed answer', () => {
    expect(() => publishedJson('c', { epoch, messages: [], duplicate: false }, false)).toThrow(
      expect.objectContaining({ code: 'internal' }),
    );
  });
});
