import { once } from 'node:events';
import { type IncomingMessage, request } from 'node:http';
import { type Socket as NetSocket, connect as netConnect } from 'node:net';
import { WebSocket } from 'ws';
import { connectionOwner } from './proc.ts';

// Clients of a `herald serve --workers` cluster that know which worker process holds their connection
// (read from /proc, see proc.ts), for the cluster tests on Redis (workers.test.ts) and NATS (nats.test.ts).

/** Resolves once `check` answers, polling every 50 ms; fails after `ms`. */
export async function until<T>(check: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A multiplexed WebSocket and every frame it received. */
export interface Socket {
  readonly ws: WebSocket;
  readonly frames: Array<Record<string, unknown>>;
  /** The worker process that holds the server end. */
  readonly worker: number;
}

/** A multiplexed WebSocket to the hub, authorized with `key`, and which of `workers` holds its server end. */
export async function connect(url: string, key: string, port: number, workers: readonly number[]): Promise<Socket> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/ws`, { headers: { authorization: `Bearer ${key}` } });
  const frames: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
  // Both listened for at once: ws emits 'open' in the same tick as 'upgrade'.
  const [[response]] = (await Promise.all([once(ws, 'upgrade'), once(ws, 'open')])) as [[IncomingMessage], unknown];
  const clientPort = response.socket.localPort as number;
  const worker = await until(() => connectionOwner(port, clientPort, workers), `the owner of port ${clientPort}`);
  return { ws, frames, worker };
}

/** A plain TCP connection to the hub and the worker holding its server end. */
export async function tcpOn(port: number, workers: readonly number[]): Promise<{ socket: NetSocket; worker: number }> {
  const socket = netConnect(port, '127.0.0.1');
  await once(socket, 'connect');
  const clientPort = socket.localPort as number;
  const worker = await until(() => connectionOwner(port, clientPort, workers), `the owner of port ${clientPort}`);
  return { socket, worker };
}

/** One HTTP request over `socket` (so it reaches the worker that holds it). */
export function httpOver(
  socket: NetSocket,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ createConnection: () => socket, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The first frame `socket` received (or receives within 10 s) that `match`es. */
export function frame(socket: Socket, match: (f: Record<string, unknown>) => boolean, what: string) {
  return until(() => socket.frames.find(match), what);
}

/** One WebSocket held by each worker: round-robin hands connections out in turn, so connect until each has one. */
export async function socketPerWorker(url: string, key: string, port: number, workers: readonly number[]) {
  const byWorker = new Map<number, Socket>();
  for (let i = 0; i < 5 * workers.length && byWorker.size < workers.length; i++) {
    const socket = await connect(url, key, port, workers);
    if (byWorker.has(socket.worker)) socket.ws.close();
    else byWorker.set(socket.worker, socket);
  }
  return byWorker;
}

/** One plain TCP connection held by each worker. */
export async function tcpPerWorker(port: number, workers: readonly number[]): Promise<Map<number, NetSocket>> {
  const byWorker = new Map<number, NetSocket>();
  for (let i = 0; i < 5 * workers.length && byWorker.size < workers.length; i++) {
    const { socket, worker } = await tcpOn(port, workers);
    if (byWorker.has(worker)) socket.destroy();
    else byWorker.set(worker, socket);
  }
  return byWorker;
}
