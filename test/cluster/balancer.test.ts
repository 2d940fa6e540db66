/** The test balancer itself: round robin per connection, dead nodes skipped, rotation edits. */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Balancer, startBalancer } from '../helpers/balancer.ts';
import { eventually } from '../helpers/inbox.ts';

let servers: Server[] = [];
let balancer: Balancer | undefined;

afterEach(async () => {
  await balancer?.close();
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
  balancer = undefined;
});

/** A node that answers its own name. */
async function node(name: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.end(name));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** One request on a new connection (no keep-alive), so every request is one balanced connection. */
function ask(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

async function askMany(url: string, n: number): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < n; i++) answers.push(await ask(url));
  return answers;
}

describe('test balancer', () => {
  it('sends each new connection to the next node and skips a node that refuses', async () => {
    const [a, b, c] = [await node('a'), await node('b'), await node('c')];
    balancer = await startBalancer([a.url, b.url, c.url]);
    expect(await askMany(balancer.url, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);

    b.server.closeAllConnections();
    await new Promise((resolve) => b.server.close(resolve));
    expect(await askMany(balancer.url, 4)).toEqual(['a', 'c', 'c', 'a']);
    expect(balancer.connections().map((x) => x.node)).toEqual([
      ...[a, b, c, a, b, c].map((n) => n.url),
      ...[a, c, c, a].map((n) => n.url),
    ]);

    balancer.remove(a.url);
    expect(await askMany(balancer.url, 2)).toEqual(['c', 'c']);
    balancer.add(a.url);
    expect((await askMany(balancer.url, 2)).sort()).toEqual(['a', 'c']);
  });

  it('closes the client connection when every node refuses, and keeps count of open ones', async () => {
    const a = await node('a');
    balancer = await startBalancer([a.url]);
    expect(await ask(balancer.url)).toBe('a');
    const open = balancer;
    await eventually(() => open.openByNode().size === 0, 2_000, 'the finished connection to be closed');
    a.server.closeAllConnections();
    await new Promise((resolve) => a.server.close(resolve));
    await expect(ask(balancer.url)).rejects.toThrow(/socket hang up|ECONNRESET/);
  });
});
