// The Bun peer: Bun.serve's built-in WebSocket pub/sub (uWebSockets underneath), the runtime the
// issue's fan-out and latency targets compare Herald with. Run by the `bun` binary, not by Node
// (bench/peers/bun.ts finds it; bench/lib/hub-command.ts starts it). It speaks the same subset of
// Herald's wire contract as the raw-ws floors (bench/peers/raw-ws.ts), with the same URLs and bodies,
// so the same load clients and publisher serve it: WebSocket subscribers on
// /v1/channels/{ch}/messages (one `subscribed` announcement, then one text frame per message),
// POST {"data":…} (or an array) answered 201, POST /v1/publish (many channels), GET /healthz.
// A publish is one `server.publish(channel, frame)`: Bun frames the text once and writes it to every
// subscriber of the topic. No SSE or long polls: Bun's pub/sub is WebSocket only, and SSE written
// by hand here would measure this file rather than Bun.
//
// Type-checked by our tsconfig with the few Bun APIs it uses declared below, so the bench needs no
// `bun-types` package; Bun runs the TypeScript directly.

interface Channel {
  channel: string;
}

/** The part of Bun's ServerWebSocket used here. */
interface BunSocket {
  readonly data: Channel;
  send(text: string): number;
  subscribe(topic: string): void;
}

/** The part of Bun's Server used here. */
interface BunServer {
  upgrade(req: Request, options: { data: Channel }): boolean;
  /** sends `text` as one text frame to every socket subscribed to `topic` */
  publish(topic: string, text: string): number;
}

interface BunServeOptions {
  hostname: string;
  port: number;
  fetch(req: Request, server: BunServer): Response | undefined | Promise<Response | undefined>;
  websocket: {
    /** Same as the `ws` floors: the bench offers no compression. */
    perMessageDeflate: boolean;
    open(ws: BunSocket): void;
    message(ws: BunSocket, message: string | Uint8Array): void;
  };
}

declare const Bun: { version: string; serve(options: BunServeOptions): BunServer };

const PATH = /^\/v1\/channels\/([A-Za-z0-9][A-Za-z0-9_.:@-]{0,127})\/messages$/;
const JSON_HEADERS = { 'content-type': 'application/json' };
let offset = 0;

/** One message to every subscriber of `ch`, in the frame body raw-ws.ts sends. */
const publishOne = (bun: BunServer, ch: string, data: unknown): void => {
  bun.publish(ch, `{"channel":"${ch}","offset":${++offset},"data":${JSON.stringify(data)},"time":${Date.now()}}`);
};

const publish = (bun: BunServer, ch: string, body: string): void => {
  const parsed: unknown = JSON.parse(body);
  const items = (Array.isArray(parsed) ? parsed : [parsed]) as Array<{ data: unknown }>;
  for (const item of items) publishOne(bun, ch, item.data);
};

const publishMany = (bun: BunServer, body: string): void => {
  const { messages } = JSON.parse(body) as { messages: Array<{ channel: string; data: unknown }> };
  for (const m of messages) publishOne(bun, m.channel, m.data);
};

/** Runs `action` on the request body; a body that does not parse is a 400, as in raw-ws.ts. */
async function withBody(req: Request, action: (body: string) => Response): Promise<Response> {
  try {
    return action(await req.text());
  } catch {
    return new Response(null, { status: 400 });
  }
}

function route(req: Request, bun: BunServer): Response | undefined | Promise<Response | undefined> {
  const { pathname } = new URL(req.url);
  if (pathname === '/healthz') return new Response('ok');
  if (pathname === '/v1/publish' && req.method === 'POST') {
    return withBody(req, (body) => {
      publishMany(bun, body);
      return new Response('{"results":[]}', { headers: JSON_HEADERS });
    });
  }
  const ch = PATH.exec(pathname)?.[1];
  if (ch === undefined) return new Response(null, { status: 404 });
  if (req.method === 'POST') {
    return withBody(req, (body) => {
      publish(bun, ch, body);
      return new Response(`{"channel":"${ch}","offset":${offset}}`, { status: 201, headers: JSON_HEADERS });
    });
  }
  // Upgraded: Bun answers the handshake itself, and `open` below runs.
  if (bun.upgrade(req, { data: { channel: ch } })) return undefined;
  return new Response(null, { status: 204 });
}

const port = Number(process.argv[process.argv.indexOf('--port') + 1] || 8080);
Bun.serve({
  hostname: '127.0.0.1',
  port,
  fetch: route,
  websocket: {
    perMessageDeflate: false,
    open(ws) {
      const { channel } = ws.data;
      ws.send(JSON.stringify({ subscribed: { channel, epoch: 'raw', cursor: `raw:${offset}` } }));
      ws.subscribe(channel);
    },
    // Subscribers send nothing but pongs (Bun pings idle sockets and reads the pongs itself).
    message() {},
  },
});
console.log(`Bun ${Bun.version} pub/sub on http://127.0.0.1:${port}`);
process.on('SIGTERM', () => process.exit(0));

// A module, so that the declarations above stay out of the other bench files' global scope.
export {};
