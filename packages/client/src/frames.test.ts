import { describe, expect, it } from 'vitest';
import { epochIn, parseNdjsonLine, parsePullBody, parseSseEvent, parseWsFrame } from './frames.ts';

describe('frame parsing', () => {
  it('reads multiplexed WebSocket frames', () => {
    expect(parseWsFrame('{"op":"message","channel":"a","offset":7,"event":"m","data":{"x":1},"time":5}')).toEqual({
      type: 'message',
      message: { channel: 'a', offset: 7, event: 'm', data: { x: 1 }, time: 5 },
    });
    expect(parseWsFrame('{"op":"reset","channel":"a","epoch":"e2","from":5}')).toEqual({
      type: 'reset',
      reset: { channel: 'a', epoch: 'e2', from: 5 },
    });
    expect(parseWsFrame('{"op":"ok","ref":1,"epoch":"e","cursor":"e:3"}')).toMatchObject({ ref: 1, ok: true });
    expect(parseWsFrame('{"op":"error","ref":2,"code":"forbidden"}')).toMatchObject({ ref: 2, ok: false });
    expect(parseWsFrame('{"op":"pong","ref":4}')).toBeUndefined();
    expect(parseWsFrame('not json')).toBeUndefined();
    expect(parseWsFrame('{"op":"message","channel":"a","offset":"7","data":1}')).toBeUndefined();
  });

  it('reads compact message frames (subprotocol herald.compact), event optional', () => {
    expect(parseWsFrame('{"c":"a","o":7,"t":5,"e":"m","d":{"x":1}}')).toEqual({
      type: 'message',
      message: { channel: 'a', offset: 7, event: 'm', data: { x: 1 }, time: 5 },
    });
    expect(parseWsFrame('{"c":"a","o":8,"t":6,"d":null}')).toEqual({
      type: 'message',
      message: { channel: 'a', offset: 8, data: null, time: 6 },
    });
    for (const bad of ['{"c":"a","o":"7","t":5,"d":1}', '{"c":"a","o":7,"t":5}', '{"o":7,"t":5,"d":1}', '{}']) {
      expect(parseWsFrame(bad), bad).toBeUndefined();
    }
  });

  it('reads NDJSON lines; an empty line is a heartbeat', () => {
    expect(parseNdjsonLine('{"subscribed":{"channel":"a","epoch":"e","cursor":"e:3"}}')).toEqual({
      type: 'start',
      channel: 'a',
      epoch: 'e',
      cursor: 'e:3',
    });
    expect(parseNdjsonLine('{"reset":{"channel":"a","epoch":"e","from":2}}')).toMatchObject({ type: 'reset' });
    expect(parseNdjsonLine('{"close":{"code":4100,"reason":"slow"}}')).toEqual({
      type: 'close',
      code: 4100,
      reason: 'slow',
    });
    expect(parseNdjsonLine('{"channel":"a","offset":1,"data":null,"time":1}')).toMatchObject({ type: 'message' });
    expect(parseNdjsonLine('')).toBeUndefined();
  });

  it('reads SSE events and takes the epoch from the positional multi-channel id', () => {
    const channels = ['a', 'b'];
    expect(epochIn('ea:3,eb:9', channels, 'b')).toBe('eb');
    expect(epochIn('0,eb:9', channels, 'a')).toBeUndefined();
    expect(
      parseSseEvent({ data: '{"channel":"b","offset":9,"data":"x","time":1}', id: 'ea:3,eb:9' }, channels),
    ).toEqual({ type: 'message', message: { channel: 'b', offset: 9, data: 'x', time: 1 }, epoch: 'eb' });
    expect(parseSseEvent({ event: 'herald.reset', data: '{"channel":"a","epoch":"z","from":4}' }, channels)).toEqual({
      type: 'reset',
      reset: { channel: 'a', epoch: 'z', from: 4 },
    });
    expect(parseSseEvent({ event: 'herald.close', data: '{"code":4202,"reason":"restart"}' }, channels)).toEqual({
      type: 'close',
      code: 4202,
      reason: 'restart',
    });
  });

  it('reads pull bodies, resets before messages', () => {
    const body = {
      cursor: 'e1:2,e2:5',
      messages: [{ channel: 'b', offset: 5, data: 1, time: 1 }],
      resets: [{ channel: 'b', epoch: 'e2', from: 5 }],
      more: true,
    };
    const { frames, more } = parsePullBody(body, ['a', 'b']);
    expect(more).toBe(true);
    expect(frames.map((f) => f.type)).toEqual(['reset', 'message']);
    expect(frames[1]).toMatchObject({ epoch: 'e2' });
  });
});
