import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The browser bundle the hub serves at `/herald.js`. */
export const BUNDLE = join(root, 'packages/client/dist/herald.min.js');

/** Chromium flags that work as root in a container (Chromium's sandbox refuses to start as root). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * Builds the browser bundle when it is missing or older than what goes into it, so the test never
 * exercises a stale file (dist/ is not committed).
 */
export function ensureBundle(): void {
  const inputs = ['packages/client/src', 'packages/protocol/src', 'scripts/build-client.mjs'];
  const newest = Math.max(...inputs.map((p) => newestMtime(join(root, p))));
  if (existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= newest) return;
  execFileSync(process.execPath, [join(root, 'scripts/build-client.mjs')], { cwd: root, stdio: 'pipe' });
}

/**
 * The test page: loads `/herald.js` from the hub (another origin, so CORS is exercised), subscribes
 * to `?channel=` and records every message together with its cursor in localStorage, in the same
 * synchronous handler, so that what survives a reload is consistent. `?transports=a,b` restricts
 * the transports; `?eventsource` passes the browser's `EventSource` (the SDK's adapter instead of its
 * fetch reader) and `?heartbeat=ms` a silence timeout; `?script=herald-ws.js` (or `herald-sse.js`) loads a one-transport build instead.
 * The page exposes `ready()`, `got` (this page load), `stored()` (every load), `states` (state
 * events, flattened) and the client as `herald` to the test.
 */
function page(hub: string, token: string, script: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Herald browser test</title>
<style>body{font:14px system-ui;margin:2em}pre{background:#f4f4f4;padding:1em}</style></head>
<body><h1>Herald SDK in Chromium</h1><p id="state">loading</p><pre id="log"></pre>
<script src="${hub}/${script}"></script>
<script>
const params = new URLSearchParams(location.search);
const channel = params.get('channel');
const key = 'herald-test:' + channel;
const load = () => JSON.parse(localStorage.getItem(key) || '{"got":[]}');
const saved = load();
window.states = [];
window.got = [];
window.stored = () => load().got;
const herald = Herald.connect(${JSON.stringify(hub)}, {
  token: ${JSON.stringify(token)},
  transports: params.has('transports') ? params.get('transports').split(',') : undefined,
  EventSource: params.has('eventsource') ? EventSource : undefined,
  heartbeat: params.has('heartbeat') ? { timeout: Number(params.get('heartbeat')) } : undefined,
  backoff: { base: 50, cap: 500 },
  pollInterval: { min: 100, max: 300 }, // a quiet channel gets a 15 s Herald-Poll-Interval otherwise
  longPollWait: 2,
  openTimeout: 3000,
});
const render = () => {
  const s = herald.state;
  document.getElementById('state').textContent = s.state + ' over ' + s.transport +
    (s.fallback ? ' (fell back from ' + s.fallback.from + ': ' + s.fallback.reason + ')' : '');
  document.getElementById('log').textContent = 'received: ' + JSON.stringify(load().got);
};
herald.on('state', (s) => {
  window.states.push({ state: s.state, transport: s.transport, fallback: s.fallback && s.fallback.reason });
  render();
});
const sub = herald.subscribe(channel, saved.cursor ? { after: saved.cursor } : {});
sub.on('message', (m) => {
  window.got.push(m.data);
  const next = load();
  next.got.push(m.data);
  next.cursor = m.cursor;
  localStorage.setItem(key, JSON.stringify(next));
  render();
});
window.ready = () => herald.state.state === 'open' && sub.cursor !== undefined;
window.herald = herald;
</script></body></html>`;
}

/** A plain HTTP server for the test page, on its own origin. */
export interface PageServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the test page on a free loopback port; the page's `?hub=` names the hub (or a proxy to it). */
export async function startPageServer(token: string): Promise<PageServer> {
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://page').searchParams;
    const hub = query.get('hub');
    const script = query.get('script') ?? 'herald.js';
    if (hub === null || !/^http:\/\/127\.0\.0\.1:\d+$/.test(hub) || !/^herald(-ws|-sse)?\.js$/.test(script)) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(page(hub, token, script));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
