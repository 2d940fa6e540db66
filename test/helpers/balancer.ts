import type { AddressInfo } from 'node:net';
import { createServer, connect as netConnect, type Socket } from 'node:net';

/** One client connection the balancer passed to a node, as its bookkeeping records it. */
export interface BalancedConnection {
  /** The node it went to (a URL given to the balancer). */
  readonly node: string;
  /** When the balancer accepted it, ms since epoch. */
  readonly openedAt: number;
  /** Still open on both sides. */
  open: boolean;
}

/** A round-robin TCP load balancer in front of several hub nodes (what nginx or HAProxy does). */
export interface Balancer {
  /** `http://127.0.0.1:port`: what clients connect to. */
  readonly url: string;
  /** The nodes in rotation, in order. */
  nodes(): string[];
  /** Every connection it ever passed on (open or not), in the order they were accepted. */
  connections(): readonly BalancedConnection[];
  /** Open connections per node (nodes with none are left out). */
  openByNode(): Map<string, number>;
  /** Puts a node (back) into the rotation. */
  add(url: string): void;
  /** Takes a node out of the rotation; its open connections stay. */
  remove(url: string): void;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/**
 * Starts a balancer on a free loopback port. Every new client connection goes to the next node in
 * turn (no sticky sessions); a node that refuses the TCP connection (a dead process) is skipped and the
 * connection is tried on the next one. A client connection is closed only when every node refused.
 * Bytes are piped both ways untouched, so WebSocket upgrades, SSE and long polls pass through; when
 * either side closes or fails, the other is destroyed, as a proxy that loses its upstream does.
 */
export async function startBalancer(nodeUrls: readonly string[]): Promise<Balancer> {
  const rotation: string[] = [...nodeUrls];
  const log: BalancedConnection[] = [];
  const sockets = new Set<Socket>();
  let next = 0;

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  /** Connects to the first node, starting at the rotation's next, that accepts; undefined if none does. */
  const pick = async (): Promise<{ node: string; upstream: Socket } | undefined> => {
    const candidates = rotation.length;
    const start = next;
    next = (next + 1) % Math.max(1, candidates);
    for (let i = 0; i < candidates; i++) {
      const node = rotation[(start + i) % candidates];
      if (node === undefined) continue;
      const upstream = await dial(node);
      if (upstream !== undefined) return { node, upstream };
    }
    return undefined;
  };

  const server = createServer((client) => {
    track(client);
    client.pause(); // hold the request bytes until an upstream is chosen
    client.on('error', () => client.destroy());
    pick().then(
      (chosen) => {
        if (chosen === undefined || client.destroyed) {
          chosen?.upstream.destroy();
          client.destroy();
          return;
        }
        const { node, upstream } = chosen;
        track(upstream);
        const entry: BalancedConnection = { node, openedAt: Date.now(), open: true };
        log.push(entry);
        const end = (): void => {
          entry.open = false;
          client.destroy();
          upstream.destroy();
        };
        client.on('close', end);
        upstream.on('error', end).on('close', end);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      },
      () => client.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    nodes: () => [...rotation],
    connections: () => log,
    openByNode() {
      const counts = new Map<string, number>();
      for (const c of log) if (c.open) counts.set(c.node, (counts.get(c.node) ?? 0) + 1);
      return counts;
    },
    add(url) {
      if (!rotation.includes(url)) rotation.push(url);
    },
    remove(url) {
      const i = rotation.indexOf(url);
      if (i >= 0) rotation.splice(i, 1);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Opens a TCP connection to `url`'s host and port; undefined when it is refused or fails within 1 s. */
function dial(url: string): Promise<Socket | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = netConnect(Number(port), hostname);
    const fail = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(undefined);
    };
    const timer = setTimeout(fail, 1_000);
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
