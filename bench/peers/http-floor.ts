// The node:http floor for ingest and polling (scenarios D and E of docs/performance.md): the least a Node HTTP server can
// do per request. POST (anything) → 201 with a short JSON body, body read and dropped; GET → 200
// with a one-message page and an ETag, or 304 when If-None-Match carries that ETag. No routing,
// no JSON parsing, no history: Herald's single publishes and conditional GETs are compared with it.
import { createServer } from 'node:http';

const ETAG = '"floor:1"';
const PAGE = JSON.stringify({
  channel: 'poll',
  epoch: 'floor',
  cursor: 'floor:1',
  messages: [{ offset: 1, data: { t: 0, pad: 'x'.repeat(69) }, time: Date.now() }],
});

const server = createServer((req, res) => {
  if (req.method === 'POST') {
    req.resume();
    req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end('{"channel":"x","offset":1}'));
  } else if (req.url === '/healthz') res.end('ok');
  else if (req.headers['if-none-match'] === ETAG) res.writeHead(304, { etag: ETAG }).end();
  else res.writeHead(200, { 'content-type': 'application/json', etag: ETAG }).end(PAGE);
});

const port = Number(process.argv[process.argv.indexOf('--port') + 1] || 8080);
server.listen(port, '127.0.0.1', () => console.log(`node:http floor on http://127.0.0.1:${port}`));
process.on('SIGTERM', () => process.exit(0));
