import type { PresenceChange, PresenceSink, PresenceStore } from '@herald/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisEngine } from './redis-engine.ts';
import type { RedisPresence } from './redis-presence.ts';
import { deletePrefix, requireRedis, TEST_REDIS_URL, uniquePrefix, waitUntil } from './test-support.ts';

const missing = await requireRedis();
/** Short, so a dead node's members go within the test; refreshes run every third of it. */
const TTL_MS = 300;

/** A sink that records what it is told, as `kind client`. */
function sink(): PresenceSink & { heard: string[]; changes: PresenceChange[] } {
  const heard: string[] = [];
  const changes: PresenceChange[] = [];
  return {
    heard,
    changes,
    presence(change) {
      heard.push(`${change.kind} ${change.member.client}`);
      changes.push(change);
    },
  };
}

describe.skipIf(missing !== undefined)(`RedisPresence across nodes${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let prefix: string;
  const engines: RedisEngine[] = [];
  const errors: unknown[] = [];

  /** A node: an engine and its presence store. */
  async function node(): Promise<RedisPresence> {
    const engine = await RedisEngine.connect({
      url: TEST_REDIS_URL,
      prefix,
      presenceTtlMs: TTL_MS,
      onError: (e) => errors.push(e),
    });
    engines.push(engine);
    return engine.createPresence() as RedisPresence;
  }

  async function names(store: PresenceStore, channel: string): Promise<string[]> {
    return (await store.list(channel, 100)).members.map((m) => m.client);
  }

  beforeEach(() => {
    prefix = uniquePrefix();
  });
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.close();
    await deletePrefix(prefix);
    expect(errors).toEqual([]);
  });

  it('lists members of every node in join order, with a count beyond the limit', async () => {
    const [a, b] = [await node(), await node()];
    await a.join('room', 'a1', { name: 'Ann' }, sink());
    await b.join('room', 'b1', {}, sink());
    await a.join('room', 'a2', { n: 2 }, sink());
    expect(await names(b, 'room')).toEqual(['a1', 'b1', 'a2']);
    expect(await a.list('room', 2)).toEqual({
      members: [
        { client: 'a1', info: { name: 'Ann' } },
        { client: 'b1', info: {} },
      ],
      count: 3,
    });
    expect(await b.list('elsewhere', 10)).toEqual({ members: [], count: 0 });
  });

  it('keeps the verified user of a member apart from its info, in lists and in notices on every node', async () => {
    const [a, b] = [await node(), await node()];
    const sa = sink();
    await a.join('room', 'a1', {}, sa);
    const claimed = { user: 'alice', sub: 'alice' };
    await b.join('room', 'b1', claimed, sink(), 'mallory');
    await b.join('room', 'b2', claimed, sink());
    await waitUntil(() => sa.heard.length === 2, 'both joins');
    expect(sa.changes.map((c) => c.member)).toEqual([
      { client: 'b1', user: 'mallory', info: claimed },
      { client: 'b2', info: claimed },
    ]);
    expect(sa.changes[1]?.member).not.toHaveProperty('user');
    expect((await a.list('room', 10)).members).toEqual([
      { client: 'a1', info: {} },
      { client: 'b1', user: 'mallory', info: claimed },
      { client: 'b2', info: claimed },
    ]);
    // A member that joins again as another user is replaced silently, like its info.
    await b.join('room', 'b1', {}, sink(), 'bob');
    expect((await a.list('room', 10)).members[1]).toEqual({ client: 'b1', user: 'bob', info: {} });
    await b.leave('room', 'b1');
    await waitUntil(() => sa.heard.length === 3, 'the leave');
    expect(sa.changes[2]?.member).toEqual({ client: 'b1', user: 'bob', info: {} });
  });

  it('tells the members of every node about joins and leaves, except the member itself', async () => {
    const [a, b] = [await node(), await node()];
    const [sa, sb, sb2] = [sink(), sink(), sink()];
    await a.join('room', 'a1', {}, sa);
    await b.join('room', 'b1', { c: 'red' }, sb);
    await waitUntil(() => sa.heard.length === 1, 'the join on the other node');
    expect(sa.changes[0]).toEqual({ kind: 'join', channel: 'room', member: { client: 'b1', info: { c: 'red' } } });
    await b.join('room', 'b2', {}, sb2);
    await waitUntil(() => sa.heard.length === 2 && sb.heard.length === 1, 'the second join');
    await b.leave('room', 'b1');
    await waitUntil(() => sa.heard.length === 3 && sb2.heard.length === 1, 'the leave');
    expect(sa.heard).toEqual(['join b1', 'join b2', 'leave b1']);
    expect(sb.heard).toEqual(['join b2']);
    expect(sb2.heard).toEqual(['leave b1']);
    expect(sa.changes[2]?.member).toEqual({ client: 'b1', info: { c: 'red' } });
    // A repeated leave is a no-op.
    await b.leave('room', 'b1');
    expect(await names(a, 'room')).toEqual(['a1', 'b2']);
  });

  it('replaces the info of a member that joins again, and tells nobody', async () => {
    const [a, b] = [await node(), await node()];
    const sa = sink();
    const local: string[] = [];
    b.onChange((change) => local.push(`${change.kind} ${change.member.client}`));
    await a.join('room', 'a1', {}, sa);
    await b.join('room', 'b1', { v: 1 }, sink());
    await waitUntil(() => sa.heard.length === 1, 'the join');
    await b.join('room', 'b1', { v: 2 }, sink());
    expect(await a.list('room', 10)).toEqual({
      members: [
        { client: 'a1', info: {} },
        { client: 'b1', info: { v: 2 } },
      ],
      count: 2,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sa.heard).toEqual(['join b1']);
    expect(local).toEqual(['join b1']);
  });

  it('keeps members of a live node past the TTL, drops those of a dead one and tells the others', async () => {
    const [a, b, dead] = [await node(), await node(), await node()];
    const sa = sink();
    await a.join('room', 'a1', {}, sa);
    await dead.join('room', 'd1', { last: true }, sink());
    await b.join('room', 'b1', {}, sink());
    await waitUntil(() => sa.heard.length === 2, 'the joins');
    await dead.halt(); // no leave, no more refreshes: as if the process died
    await waitUntil(async () => !(await names(b, 'room')).includes('d1'), 'the dead member to expire', 3 * TTL_MS);
    await waitUntil(() => sa.heard.length === 3, 'the leave of the dead member', 3 * TTL_MS);
    expect(sa.changes[2]).toEqual({ kind: 'leave', channel: 'room', member: { client: 'd1', info: { last: true } } });
    // Several TTLs later the live members are still there.
    await new Promise((resolve) => setTimeout(resolve, 2 * TTL_MS));
    expect(await names(b, 'room')).toEqual(['a1', 'b1']);
    expect(sa.heard).toEqual(['join d1', 'join b1', 'leave d1']);
  });

  it('leaves its local members on close', async () => {
    const [a, b] = [await node(), await node()];
    const sb = sink();
    const local: string[] = [];
    a.onChange((change) => local.push(`${change.kind} ${change.member.client}`));
    await b.join('room', 'b1', {}, sb);
    await a.join('room', 'a1', {}, sink());
    await a.join('other', 'a1', {}, sink());
    await waitUntil(() => sb.heard.length === 1, 'the join');
    await a.close();
    await a.close();
    await waitUntil(() => sb.heard.length === 2, 'the leave');
    expect(sb.heard).toEqual(['join a1', 'leave a1']);
    expect(await names(b, 'room')).toEqual(['b1']);
    expect(await names(b, 'other')).toEqual([]);
    expect(local.sort()).toEqual(['join a1', 'join a1', 'leave a1', 'leave a1']);
  });
});
