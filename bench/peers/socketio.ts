// Socket.IO 4.8 as users run it for fan-out: WebSocket transport only, one room per channel,
// `io.to(room).emit(…)` per published message (the adapter encodes the packet once per broadcast).
// Subscribers join the room named by `?channel=` in the handshake. The HTTP side speaks the
// bench's publish protocol (POST /v1/channels/{ch}/messages with {"data":…} or an array,
// POST /v1/publish for many channels) so the same publisher drives every peer.
import { createServer, type IncomingMessage } from 'node:http';
import { Server } from 'socket.io';

const PATH = /^\/v1\/channels\/([A-Za-z0-9][A-Za-z0-9_.:@-]{0,127})\/messages(?:\?|$)/;
let offset = 0;

const readBody = async (req: IncomingMessage): Promise<string> => {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
};

const server = createServer((req, res) => {
  const ch = PATH.exec(req.url ?? '')?.[1];
  if (req.url === '/healthz') res.end('ok');
  else if (req.method !== 'POST' || (ch === undefined && req.url !== '/v1/publish')) res.writeHead(404).end();
  else
    readBody(req)
      .then((body) => {
        const parsed: unknown = JSON.parse(body);
        if (ch === undefined) {
          for (const m of (parsed as { messages: Array<{ channel: string; data: unknown }> }).messages)
            emit(m.channel, m.data);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[]}');
          return;
        }
        for (const item of (Array.isArray(parsed) ? parsed : [parsed]) as Array<{ data: unknown }>) emit(ch, item.data);
        res.writeHead(201, { 'content-type': 'application/json' }).end(`{"channel":"${ch}","offset":${offset}}`);
      })
      .catch(() => res.writeHead(400).end());
});

const io = new Server(server, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  httpCompression: false,
});

function emit(channel: string, data: unknown): void {
  io.to(channel).emit('message', { channel, offset: ++offset, data, time: Date.now() });
}

io.on('connection', (socket) => {
  const channel = socket.handshake.query.channel;
  if (typeof channel === 'string') void socket.join(channel);
});

const port = Number(process.argv[process.argv.indexOf('--port') + 1] || 8080);
server.listen(port, '127.0.0.1', () => console.log(`socket.io peer on http://127.0.0.1:${port}`));
process.on('SIGTERM', () => process.exit(0));
