// The floors: the least work a Node hub can do per delivery. One publish = the frame built once,
// the same Buffer written to every socket; no history, no auth, no backpressure policy.
// Two peers run this file (bench/lib/hub-command.ts): `raw-ws-per-frame` writes every frame with
// its own socket.write (one system call per delivery), `raw-ws-corked` (`--cork`) corks a socket at
// its first write in an event-loop turn and uncorks every corked socket in one setImmediate, so the
// publishes handled in one turn leave in one writev per socket (the strongest Node baseline:
// docs/performance.md, "Fan-out: what bounds it").
// It speaks just enough of Herald's wire contract for the bench: WebSocket, SSE and held long
// polls on /v1/channels/{ch}/messages, POST {"data":…} (or an array) answered 201, POST
// /v1/publish (many channels), GET /healthz. Long polls are answered with the next message only
// (no history: a message published between two polls is not seen; only memory is measured with them).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import * as wsModule from 'ws';
import { WebSocketServer } from 'ws';

// ws's ESM entry exports Sender (the framer), but @types/ws does not declare it.
type FrameFn = (
  data: Buffer,
  o: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean },
) => Buffer[];
const frame = (wsModule as unknown as { Sender: { frame: FrameFn } }).Sender.frame;
const wsFrame = (text: string): Buffer =>
  Buffer.concat(frame(Buffer.from(text), { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }));

const CORK = process.argv.includes('--cork');
const corked: Duplex[] = [];
const uncorkAll = (): void => {
  for (const socket of corked.splice(0)) socket.uncork();
};
/** One frame to one socket: at once, or (--cork) held until the end of this event-loop turn. */
const send = (socket: Duplex, bytes: Buffer): void => {
  if (CORK && socket.writableCorked === 0) {
    if (corked.length === 0) setImmediate(uncorkAll);
    socket.cork();
    corked.push(socket);
  }
  socket.write(bytes);
};

const PATH = /^\/v1\/channels\/([A-Za-z0-9][A-Za-z0-9_.:@-]{0,127})\/messages(?:\?|$)/;
const wsSockets = new Map<string, Set<Duplex>>();
const sseSockets = new Map<string, Set<Duplex>>();
const polls = new Map<string, Set<ServerResponse>>();
let offset = 0;
const join = <T extends Duplex | ServerResponse>(map: Map<string, Set<T>>, ch: string, item: T): void => {
  const set = map.get(ch) ?? map.set(ch, new Set()).get(ch)!;
  set.add(item);
  item.on('close', () => set.delete(item));
};
const readBody = async (req: IncomingMessage): Promise<string> => {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
};

const publishOne = (ch: string, data: unknown): void => {
  const json = JSON.stringify(data);
  const ws = wsFrame(`{"channel":"${ch}","offset":${++offset},"data":${json},"time":${Date.now()}}`);
  const sse = Buffer.from(`id: raw:${offset}\ndata: ${json}\n\n`);
  for (const socket of wsSockets.get(ch) ?? []) send(socket, ws);
  for (const socket of sseSockets.get(ch) ?? []) send(socket, sse);
  const held = polls.get(ch);
  if (held !== undefined && held.size > 0) {
    const body = `{"cursor":"raw:${offset}","messages":[{"offset":${offset},"data":${json}}]}`;
    for (const res of held) res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    held.clear();
  }
};

const publish = (ch: string, body: string): void => {
  const parsed: unknown = JSON.parse(body);
  for (const item of (Array.isArray(parsed) ? parsed : [parsed]) as Array<{ data: unknown }>) publishOne(ch, item.data);
};

const publishMany = (body: string): void => {
  const { messages } = JSON.parse(body) as { messages: Array<{ channel: string; data: unknown }> };
  for (const m of messages) publishOne(m.channel, m.data);
};

const server = createServer((req, res) => {
  const ch = PATH.exec(req.url ?? '')?.[1];
  if (req.url === '/healthz') res.end('ok');
  else if (req.url === '/v1/publish' && req.method === 'POST') {
    readBody(req)
      .then((body) => {
        publishMany(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[]}');
      })
      .catch(() => res.writeHead(400).end());
  } else if (ch === undefined) res.writeHead(404).end();
  else if (req.method === 'POST') {
    readBody(req)
      .then((body) => {
        publish(ch, body);
        res.writeHead(201, { 'content-type': 'application/json' }).end(`{"channel":"${ch}","offset":${offset}}`);
      })
      .catch(() => res.writeHead(400).end());
  } else if (req.headers.accept === 'text/event-stream') {
    // Close-delimited body (no chunked framing), then raw bytes straight to the socket.
    res.useChunkedEncodingByDefault = false;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'close' });
    res.flushHeaders();
    res.socket?.write('retry: 1000\n\n');
    if (res.socket) join(sseSockets, ch, res.socket);
  } else if (req.url?.includes('wait=')) join(polls, ch, res);
  else res.writeHead(204).end();
});

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
server.on('upgrade', (req, socket, head) => {
  const ch = PATH.exec(req.url ?? '')?.[1];
  if (ch === undefined) socket.destroy();
  else
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(JSON.stringify({ subscribed: { channel: ch, epoch: 'raw', cursor: `raw:${offset}` } }));
      join(wsSockets, ch, socket);
    });
});

const port = Number(process.argv[process.argv.indexOf('--port') + 1] || 8080);
server.listen(port, '127.0.0.1', () =>
  console.log(`raw-ws floor${CORK ? ' (corked per turn)' : ' (one write per frame)'} on http://127.0.0.1:${port}`),
);
process.on('SIGTERM', () => process.exit(0));
