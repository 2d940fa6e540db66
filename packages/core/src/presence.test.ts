import { describe, expect, it } from 'vitest';
import { HeraldError } from './errors.ts';
import { LocalPresence, MAX_PRESENCE_INFO_BYTES, type PresenceChange, presenceInfo } from './presence.ts';

function recorder(): { changes: PresenceChange[]; presence(change: PresenceChange): void } {
  const changes: PresenceChange[] = [];
  return { changes, presence: (change) => changes.push(change) };
}

describe('LocalPresence', () => {
  it('tells the other members of a join and a leave, not the member itself', () => {
    const p = new LocalPresence();
    const a = recorder();
    const b = recorder();
    expect(p.add('chat:r', 'a', { name: 'Ann' }, a)).toBe(true);
    expect(p.add('chat:r', 'b', {}, b)).toBe(true);
    expect(a.changes).toEqual([{ kind: 'join', channel: 'chat:r', member: { client: 'b', info: {} } }]);
    expect(b.changes).toEqual([]);
    expect(p.members('chat:r')).toEqual([
      { client: 'a', info: { name: 'Ann' } },
      { client: 'b', info: {} },
    ]);
    expect(p.remove('chat:r', 'a')).toBe(true);
    expect(b.changes).toEqual([{ kind: 'leave', channel: 'chat:r', member: { client: 'a', info: { name: 'Ann' } } }]);
    expect(p.remove('chat:r', 'a')).toBe(false);
    expect(p.count('chat:r')).toBe(1);
  });

  it('keeps channels apart and forgets empty ones', () => {
    const p = new LocalPresence();
    const a = recorder();
    p.add('chat:1', 'a', {}, a);
    p.add('chat:2', 'b', {}, recorder());
    expect(a.changes).toEqual([]);
    p.remove('chat:1', 'a');
    expect(p.members('chat:1')).toEqual([]);
    expect(p.count('chat:2')).toBe(1);
  });

  it('replaces the info of a member that joins again, silently', () => {
    const p = new LocalPresence();
    const a = recorder();
    p.add('c', 'a', {}, a);
    p.add('c', 'b', { v: 1 }, recorder());
    expect(p.add('c', 'b', { v: 2 }, recorder())).toBe(false);
    expect(a.changes).toHaveLength(1);
    expect(p.members('c')[1]).toEqual({ client: 'b', info: { v: 2 } });
  });

  it('limits the member list and reports every change to listeners', () => {
    const p = new LocalPresence();
    const seen: string[] = [];
    const stop = p.onChange((c) => seen.push(`${c.kind}:${c.member.client}`));
    for (let i = 0; i < 5; i++) p.add('c', `m${i}`, {}, recorder());
    p.remove('c', 'm0');
    stop();
    p.remove('c', 'm1');
    expect(p.members('c', 2).map((m) => m.client)).toEqual(['m2', 'm3']);
    expect(seen).toEqual(['join:m0', 'join:m1', 'join:m2', 'join:m3', 'join:m4', 'leave:m0']);
  });
});

describe('presenceInfo', () => {
  it('accepts absent info and small objects, copying them', () => {
    expect(presenceInfo(undefined)).toEqual({});
    const input = { name: 'Ann', colour: '#f00' };
    const info = presenceInfo(input);
    input.name = 'changed';
    expect(info).toEqual({ name: 'Ann', colour: '#f00' });
  });

  it('refuses non-objects and oversized objects', () => {
    for (const bad of [null, 1, 'x', [1], true]) {
      expect(() => presenceInfo(bad)).toThrow(HeraldError);
    }
    const big = { text: 'x'.repeat(MAX_PRESENCE_INFO_BYTES) };
    expect(() => presenceInfo(big)).toThrow(/larger than/);
  });
});

describe('LocalPresence as a PresenceStore', () => {
  it('lists members with their count, limited, through promises', async () => {
    const p = new LocalPresence();
    const a = recorder();
    await p.join('c', 'a', { n: 1 }, a);
    await p.join('c', 'b', {}, recorder());
    expect(await p.list('c', 1)).toEqual({ members: [{ client: 'a', info: { n: 1 } }], count: 2 });
    await p.leave('c', 'b');
    expect(a.changes.map((c) => c.kind)).toEqual(['join', 'leave']);
    await p.close();
    expect(await p.list('c', 10)).toEqual({ members: [], count: 0 });
  });
});
