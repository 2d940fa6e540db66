import { describe, expect, it } from 'vitest';
import { channelPosition, GAP_STRIKES } from './positions.ts';

describe('ChannelPosition', () => {
  it('delivers each offset exactly once, in order, and drops replays', () => {
    const p = channelPosition('c', 'e1:3');
    expect(p.accept(3)).toBe('duplicate');
    expect(p.accept(4)).toBe('deliver');
    expect(p.accept(4)).toBe('duplicate');
    expect(p.accept(2)).toBe('duplicate');
    expect(p.accept(5, 'e1')).toBe('deliver');
    expect(p.cursor).toBe('e1:5');
  });

  it('reports a hole as a gap and keeps the cursor where the hole starts', () => {
    const p = channelPosition('c', 'e1:3');
    expect(p.accept(6)).toBe('gap');
    expect(p.cursor).toBe('e1:3');
    expect(p.accept(4)).toBe('deliver');
  });

  it('surfaces a hole that resyncs cannot fill as a detected reset', () => {
    const p = channelPosition('c', 'e1:3');
    for (let i = 1; i < GAP_STRIKES; i++) expect(p.accept(6)).toBe('gap');
    expect(p.accept(6)).toEqual({ channel: 'c', epoch: 'e1', from: 6, previous: 'e1:3', lost: 2, detected: true });
    expect(p.cursor).toBe('e1:6');
  });

  it('treats a new epoch without a reset as a gap', () => {
    const p = channelPosition('c', 'e1:3');
    expect(p.accept(1, 'e2')).toBe('gap');
  });

  it('applies resets and says how much was lost when the epoch is the same', () => {
    const p = channelPosition('c', 'e1:3');
    expect(p.reset('e1', 10)).toMatchObject({ previous: 'e1:3', lost: 6, epoch: 'e1', from: 10 });
    expect(p.cursor).toBe('e1:9');
    expect(p.accept(10)).toBe('deliver');
    expect(p.reset('e2', 1)).toMatchObject({ previous: 'e1:10', lost: undefined });
    expect(p.cursor).toBe('e2:0');
  });

  it('starts from the oldest message with cursor 0 and from the hub position when live', () => {
    const start = channelPosition('c', '0');
    expect(start.cursor).toBe('0');
    expect(start.accept(41, 'e1')).toBe('deliver');
    expect(start.cursor).toBe('e1:41');
    const live = channelPosition('c');
    expect(live.known).toBe(false);
    live.start('e1', 'e1:7');
    expect(live.cursor).toBe('e1:7');
    const pinned = channelPosition('c');
    pinned.pin('e9:2');
    expect(pinned.cursor).toBe('e9:2');
  });

  it('rejects malformed cursors', () => {
    expect(() => channelPosition('c', 'nope')).toThrow(
      expect.objectContaining({ code: 'bad_request', message: 'invalid cursor: nope' }),
    );
  });
});
