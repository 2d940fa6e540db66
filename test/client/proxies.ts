import { createServer as createHttpServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer, connect as netConnect, type Socket } from 'node:net';

/** A TCP proxy to the hub that can cut every connection (a network drop) or freeze them (a dead peer). */
export interface TcpProxy {
  url: string;
  /** Destroys every current connection, as a network failure would. */
  cut(): void;
  /** Stops forwarding on every current connection without closing it; new connections work. */
  freeze(): void;
  /**
   * Stops reading from the hub on every current connection (a client that does not keep up): the
   * hub's send buffer fills. `resume()` forwards what was held back, then the rest.
   */
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

/** Starts a TCP proxy on a free loopback port in front of `target` (`http://127.0.0.1:port`). */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const port = Number(new URL(target).port);
  const live = new Set<[Socket, Socket]>();
  const frozen = new Set<Socket>();
  const stalled = new Set<[Socket, Socket]>();
  const server = createNetServer((client) => {
    const upstream = netConnect(port, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    live.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = (): void => {
      live.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = (): void => {
    for (const [a, b] of live) {
      a.destroy();
      b.destroy();
    }
    live.clear();
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut,
    freeze() {
      for (const [a, b] of live) {
        a.unpipe(b);
        b.unpipe(a);
        a.pause();
        b.pause();
        a.removeAllListeners('close');
        frozen.add(a).add(b);
      }
      live.clear();
    },
    stall() {
      for (const pair of live) {
        pair[1].unpipe(pair[0]);
        pair[1].pause();
        stalled.add(pair);
      }
    },
    resume() {
      // A paused socket does not notice the hub closing it until it reads again: resuming lets the
      // held-back data, then the close, through.
      for (const [client, upstream] of stalled) upstream.pipe(client);
      stalled.clear();
    },
    async close() {
      stalled.clear();
      cut();
      for (const s of frozen) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An HTTP proxy that refuses WebSocket upgrades and, optionally, buffers streaming responses. */
export interface HttpProxy {
  url: string;
  /** `METHOD path` of every request seen, with the body of POSTs to /v1/client-reports. */
  requests: string[];
  reports: unknown[];
  close(): Promise<void>;
}

/**
 * Starts the kind of proxy that breaks real-time transports: upgrades get `403`; with `buffer`,
 * SSE and NDJSON responses get their headers at once but their body only when it ends (the way a
 * buffering reverse proxy behaves). Everything else passes through.
 */
export async function startHttpProxy(target: string, options: { buffer: boolean }): Promise<HttpProxy> {
  const requests: string[] = [];
  const reports: unknown[] = [];
  const server = createHttpServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method === 'POST' && req.url === '/v1/client-reports') {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => reports.push(JSON.parse(body)));
    }
    const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
      const streaming = /event-stream|ndjson/.test(up.headers['content-type'] ?? '');
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (options.buffer && streaming) {
        res.flushHeaders();
        const chunks: Buffer[] = [];
        up.on('data', (chunk: Buffer) => chunks.push(chunk));
        up.on('end', () => res.end(Buffer.concat(chunks)));
      } else {
        up.pipe(res);
      }
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (req, socket) => {
    requests.push(`UPGRADE ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    reports,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
