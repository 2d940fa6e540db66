import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call a hook server received. */
export interface HookRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
}

/** How a hook answers: a status and JSON body, or `hang` (never answers). */
export type HookReply = { status?: number; json?: unknown } | 'hang';

/** A stand-in for the application's hook endpoints: a real node:http server on port 0. */
export interface HookServer {
  readonly url: string;
  readonly requests: HookRequest[];
  /** Sets how `path` answers (default: 404). */
  on(path: string, reply: (body: Record<string, unknown>, req: IncomingMessage) => HookReply): void;
  close(): Promise<void>;
}

/** Starts a hook server on a free loopback port; close it after the test. */
export async function startHookServer(): Promise<HookServer> {
  const handlers = new Map<string, (body: Record<string, unknown>, req: IncomingMessage) => HookReply>();
  const requests: HookRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
      requests.push({ path, headers: req.headers, body });
      const reply = handlers.get(path)?.(body, req) ?? { status: 404 };
      if (reply === 'hang') return;
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
      res.end(reply.json === undefined ? '' : JSON.stringify(reply.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on: (path, reply) => handlers.set(path, reply),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
