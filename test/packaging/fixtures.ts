/**
 * The files of the throwaway project that pack-install.test.ts installs the packed tarballs into:
 * what a user would write, in plain JavaScript (no TypeScript, no loader), plus one TypeScript file
 * that only type-checks against the shipped .d.ts.
 */

/** An application's own node:http server with the hub attached: prints its port, stops when stdin ends. */
export const EMBEDDED_SERVER = `
import { createServer } from 'node:http';
import { createHerald, MemoryEngine } from '@herald/server';

const herald = createHerald({ engine: new MemoryEngine(), apiKeys: [process.argv[2]] });
const server = createServer((req, res) => {
  if (req.url === '/app') {
    res.end('the application route\\n');
    return;
  }
  herald.handleRequest(req, res);
});
server.on('upgrade', (req, socket, head) => herald.handleUpgrade(req, socket, head));
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.stdin.resume();
process.stdin.on('end', async () => {
  await herald.close();
  server.close();
});
`;

/**
 * The SDK from Node: reads channel \`news\` from its start, publishes one message of its own, and prints
 * every message's data and the transport, one JSON line each, then closes once its publish is
 * acknowledged and both messages arrived.
 */
export const CLIENT = `
import { connect } from '@herald/client';

const [url, token] = process.argv.slice(2);
const herald = connect(url, { token, storage: null });
let transport;
herald.on('state', (s) => {
  if (s.state === 'open') transport = s.transport;
});
let count = 0;
for await (const m of herald.subscribe('news', { after: '0' })) {
  process.stdout.write(JSON.stringify({ data: m.data, transport }) + '\\n');
  count += 1;
  if (count === 2) break;
  await herald.publish('news', { from: 'sdk' });
}
herald.close();
`;

/** Type-checked with the repository's tsc (module NodeNext): the .d.ts must resolve through exports. */
export const TYPES_CONSUMER = `
import { createServer } from 'node:http';
import { connect, type HeraldClient, type TransportName } from '@herald/client';
import { connect as connectSse } from '@herald/client/sse';
import { connect as connectWebSocket } from '@herald/client/websocket';
import { createHerald, type HeraldServer, MemoryEngine } from '@herald/server';

const hub: HeraldServer = createHerald({ engine: new MemoryEngine(), apiKeys: ['k'] });
createServer((req, res) => hub.handleRequest(req, res)).on('upgrade', (req, socket, head) =>
  hub.handleUpgrade(req, socket, head),
);
const client: HeraldClient = connect('http://127.0.0.1:1', { token: 'k' });
const preferred: TransportName[] = ['sse'];
client.subscribe('news').on('message', (m) => m.cursor.length + preferred.length);
// @ts-expect-error: the types are real, so a wrong call is an error
connect(42);
// The one-transport entries resolve through their own exports, with the same client type.
const sseOnly: HeraldClient = connectSse('http://127.0.0.1:1', {});
const wsOnly: HeraldClient = connectWebSocket('http://127.0.0.1:1', {});
void [sseOnly, wsOnly];
`;
