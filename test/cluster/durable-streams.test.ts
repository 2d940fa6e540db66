import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_ENGINES, startCluster, type TestCluster } from '../helpers/cluster.ts';

// A Durable Stream lives in the engine: any node serves it, live reads on one node hear appends and
// the close made on another (docs/durable-streams.md).
describe.each(CLUSTER_ENGINES)('Durable Streams on three nodes of one %s', (kind) => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster(3, { longPollMaxMs: 15_000 }, undefined, kind);
  });
  afterAll(() => cluster.close());
  const url = (i: number, path: string): string => `${cluster.nodes[i]?.url}/v1/stream/${path}`;
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${cluster.nodes[0]?.apiKey}` });

  it('a stream created on one node is read, long-polled and closed across the others', async () => {
    const path = `ds-cluster-${kind}-${Date.now()}`;
    const put = await fetch(url(0, path), {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'text/plain' },
      body: 'one ',
    });
    expect(put.status).toBe(201);
    const tail = put.headers.get('stream-next-offset') as string;
    expect(await (await fetch(url(1, path))).text()).toBe('one ');

    // A long poll held on node 2 is answered by an append on node 1.
    const held = fetch(`${url(2, path)}?offset=${tail}&live=long-poll`);
    await new Promise((r) => setTimeout(r, 300));
    const post = await fetch(url(1, path), {
      method: 'POST',
      headers: {
        ...auth(),
        'content-type': 'text/plain',
        'producer-id': 'p',
        'producer-epoch': '0',
        'producer-seq': '0',
      },
      body: 'two',
    });
    expect(post.status).toBe(200);
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('two');
    const next = answer.headers.get('stream-next-offset') as string;

    // The producer's state is shared: its retry on another node is a duplicate.
    const retry = await fetch(url(0, path), {
      method: 'POST',
      headers: {
        ...auth(),
        'content-type': 'text/plain',
        'producer-id': 'p',
        'producer-epoch': '0',
        'producer-seq': '0',
      },
      body: 'two',
    });
    expect(retry.status).toBe(204);

    // A close on node 0 reaches a long poll waiting on node 2 (within the 5 s metadata check).
    const waiting = fetch(`${url(2, path)}?offset=${next}&live=long-poll`);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const close = await fetch(url(0, path), { method: 'POST', headers: { ...auth(), 'stream-closed': 'true' } });
    expect(close.status).toBe(204);
    const closed = await waiting;
    expect(closed.status).toBe(204);
    expect(closed.headers.get('stream-closed')).toBe('true');
    expect(Date.now() - started).toBeLessThan(7_000);
    expect(await (await fetch(url(1, path))).text()).toBe('one two');
  }, 30_000);
});
