import { afterEach, describe, expect, it } from 'vitest';
import type { PresenceChange, PresenceSink, PresenceStore } from '../presence.ts';

/** One node's presence store, with a way to stop it as if its process died. */
export interface PresenceNode extends PresenceStore {
  /** Stops refreshing and heartbeating without leaving: a dead process, as the other nodes see it. */
  halt(): Promise<void>;
}

/**
 * Opens presence stores that share storage (the nodes of one cluster). Every call of `node` within a
 * case gives another node on the same storage; `cleanup` closes them and removes the storage.
 */
export interface PresenceClusterFactory {
  /** A node whose members expire `ttlMs` after its last refresh or heartbeat. */
  node(ttlMs: number): Promise<PresenceNode>;
  /** After each case: closes the nodes, removes keys or buckets. Fails the case on errors seen. */
  cleanup(): Promise<void>;
}

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

/**
 * What a sink heard, without the joins of `earlier` members (who joined before its own member). A
 * member is in its room from the start of its join and hears every notice from then on, so it may
 * also hear the join of one that joined just before it, whose notice was still on its way: a missed
 * join would be worse than a repeated one, which clients take as an update (the SDK's Presence does).
 */
function since(s: { heard: string[] }, earlier: string[]): string[] {
  return s.heard.filter((h) => !earlier.some((client) => h === `join ${client}`));
}

/** Polls `check` every 10 ms until it holds; throws after `timeoutMs`. */
async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function names(store: PresenceStore, channel: string): Promise<string[]> {
  return (await store.list(channel, 100)).members.map((m) => m.client);
}

/**
 * The contract every presence store shared by several nodes passes: `presenceContract('redis',
 * factory)` inside a test file. Each case starts the nodes it needs on fresh storage.
 */
export function presenceContract(name: string, cluster: () => PresenceClusterFactory): void {
  describe(`presence contract across nodes: ${name}`, () => {
    let current: PresenceClusterFactory | undefined;

    /** Another node of this case's cluster. */
    function node(): Promise<PresenceNode> {
      current ??= cluster();
      return current.node(TTL_MS);
    }

    afterEach(async () => {
      const done = current;
      current = undefined;
      await done?.cleanup();
    });

    it('lists members of every node in join order, with a count beyond the limit', async () => {
      const [a, b] = [await node(), await node()];
      // Names with separators and prefixes of each other: stores that map channels to keys or subjects
      // must keep 'room.1' and 'room.10' apart.
      await a.join('room.1', 'a1', { name: 'Ann' }, sink());
      await b.join('room.1', 'b1', {}, sink());
      await a.join('room.1', 'a2', { n: 2 }, sink());
      await b.join('room.10', 'x:y', {}, sink());
      expect(await names(b, 'room.1')).toEqual(['a1', 'b1', 'a2']);
      expect(await a.list('room.1', 2)).toEqual({
        members: [
          { client: 'a1', info: { name: 'Ann' } },
          { client: 'b1', info: {} },
        ],
        count: 3,
      });
      expect(await names(a, 'room.10')).toEqual(['x:y']);
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
      await waitUntil(() => sa.heard.length === 2 && since(sb, ['a1']).length === 1, 'the second join');
      await b.leave('room', 'b1');
      await waitUntil(() => sa.heard.length === 3 && since(sb2, ['a1']).length === 1, 'the leave');
      expect(sa.heard).toEqual(['join b1', 'join b2', 'leave b1']);
      expect(since(sb, ['a1'])).toEqual(['join b2']);
      expect(since(sb2, ['a1'])).toEqual(['leave b1']);
      expect(sa.changes[2]?.member).toEqual({ client: 'b1', info: { c: 'red' } });
      // A repeated leave is a no-op.
      await b.leave('room', 'b1');
      expect(await names(a, 'room')).toEqual(['a1', 'b2']);
    });

    it('hears the join that follows its own at once, and forgets a member that leaves while joining', async () => {
      const [a, b] = [await node(), await node()];
      const [sa, sb] = [sink(), sink()];
      // Not awaited: a hub answers a subscribe before its presence join is through, and the next
      // member may join on another node at once; the first must hear it.
      const joining = a.join('room', 'a1', {}, sa);
      await b.join('room', 'b1', {}, sb);
      await joining;
      await waitUntil(() => sa.heard.length === 1, 'the join that followed');
      expect(sa.heard).toEqual(['join b1']);
      // A member whose connection closes while its join is on its way is gone everywhere after it.
      const brief = a.join('room', 'a2', {}, sink());
      await a.leave('room', 'a2');
      await brief;
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Which of the first two joined first is not defined: they ran side by side.
      expect((await names(a, 'room')).sort()).toEqual(['a1', 'b1']);
      expect((await names(b, 'room')).sort()).toEqual(['a1', 'b1']);
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

    it('keeps members of a live node past the TTL, drops those of a dead one and tells the others once', async () => {
      const [a, b, dead] = [await node(), await node(), await node()];
      const [sa, sb] = [sink(), sink()];
      await a.join('room', 'a1', {}, sa);
      await dead.join('room', 'd1', { last: true }, sink());
      await b.join('room', 'b1', {}, sb);
      await waitUntil(() => sa.heard.length === 2, 'the joins');
      await new Promise((resolve) => setTimeout(resolve, TTL_MS)); // every node has seen the others beat
      await dead.halt(); // no leave, no more refreshes or heartbeats: as if the process died
      await waitUntil(async () => !(await names(b, 'room')).includes('d1'), 'the dead member to go', 4 * TTL_MS);
      await waitUntil(
        () => sa.heard.length === 3 && since(sb, ['a1', 'd1']).length === 1,
        `the leave of the dead member: ${sa.heard} | ${sb.heard}`,
        4 * TTL_MS,
      );
      expect(sa.changes[2]).toEqual({ kind: 'leave', channel: 'room', member: { client: 'd1', info: { last: true } } });
      // Several TTLs later the live members are still there, and the leave was told once.
      await new Promise((resolve) => setTimeout(resolve, 3 * TTL_MS));
      expect(await names(b, 'room')).toEqual(['a1', 'b1']);
      expect(sa.heard).toEqual(['join d1', 'join b1', 'leave d1']);
      expect(since(sb, ['a1', 'd1'])).toEqual(['leave d1']);
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
}
