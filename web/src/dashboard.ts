import { renderBridges } from './lib/bridges-panel.ts';
import { byId, el } from './lib/dom.ts';
import { bytes, ms } from './lib/format.ts';
import { HUB_TRANSPORTS, type StatsSnapshot, watchStats } from './lib/stats.ts';
import { legend, type SeriesStyle, TimeChart } from './lib/time-chart.ts';

const WINDOW_MS = 120_000;
const MIB = 1024 * 1024;
const TRANSPORT_STYLE: Record<(typeof HUB_TRANSPORTS)[number], SeriesStyle> = {
  ws: { label: 'WebSocket', color: '#3b5bdb' },
  sse: { label: 'SSE', color: '#2b8a3e' },
  ndjson: { label: 'NDJSON stream', color: '#7048e8' },
  longpoll: { label: 'long poll', color: '#f59f00' },
  poll: { label: 'poll', color: '#e8590c' },
};

/** A chart with its legend; series are declared once, values come from each snapshot. */
function chart(id: string, styles: Record<string, SeriesStyle>, format: (v: number) => string): TimeChart {
  const c = new TimeChart(byId<HTMLCanvasElement>(`chart-${id}`), { windowMs: WINDOW_MS, format, steps: true });
  for (const [name, style] of Object.entries(styles)) c.series(name, style);
  legend(byId(`legend-${id}`), Object.values(styles));
  c.start();
  return c;
}

const count = (v: number): string =>
  v >= 10_000 ? `${(v / 1000).toFixed(0)}k` : v.toFixed(v < 10 && v % 1 !== 0 ? 1 : 0);
const charts = {
  connections: chart('connections', TRANSPORT_STYLE, count),
  messages: chart(
    'messages',
    { in: { label: 'published (in)', color: '#e03131' }, out: { label: 'delivered (out)', color: '#1971c2' } },
    count,
  ),
  // In KiB/s, so the grid falls on round numbers.
  bytes: chart('bytes', TRANSPORT_STYLE, (v) => `${v < 10 ? v.toFixed(1) : v.toFixed(0)} kB/s`),
  lag: chart(
    'lag',
    {
      p50: { label: 'p50', color: '#2b8a3e' },
      p99: { label: 'p99', color: '#f08c00' },
      max: { label: 'max', color: '#c92a2a' },
    },
    (v) => v.toFixed(v < 10 ? 1 : 0),
  ),
  // In MiB, so the grid falls on round numbers (50, 100 … rather than 47.7 MB).
  memory: chart(
    'memory',
    { rss: { label: 'RSS', color: '#5f3dc4' }, heap: { label: 'heap used', color: '#0c8599' } },
    (v) => `${v.toFixed(0)} MB`,
  ),
};

/** KPI tiles, created once and updated in place. */
const KPIS = [
  ['connections', 'live connections'],
  ['in', 'published / s'],
  ['out', 'delivered / s'],
  ['subscriptions', 'subscriptions'],
  ['history', 'messages in history'],
  ['lag', 'event-loop lag p99'],
  ['memory', 'memory (RSS)'],
  ['uptime', 'uptime'],
] as const;
const tiles = new Map<string, HTMLElement>();
for (const [key, label] of KPIS) {
  const tile = el('div', 'card kpi');
  const value = el('div', 'value', '–');
  value.dataset.kpi = key;
  tile.append(value, el('div', 'label', label));
  tiles.set(key, value);
  byId('kpis').append(tile);
}
const setKpi = (key: string, text: string): void => {
  const tile = tiles.get(key);
  if (tile !== undefined) tile.textContent = text;
};

function uptime(msUp: number): string {
  const s = Math.floor(msUp / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function render(s: StatsSnapshot): void {
  const t = Date.now();
  for (const name of HUB_TRANSPORTS) {
    charts.connections.add(name, t, s.connections[name] ?? 0);
    charts.bytes.add(name, t, (s.bytesOutPerSec[name] ?? 0) / 1024);
  }
  charts.messages.add('in', t, s.messages.inPerSec);
  charts.messages.add('out', t, s.messages.outPerSec);
  charts.lag.add('p50', t, s.eventLoopLagMs.p50);
  charts.lag.add('p99', t, s.eventLoopLagMs.p99);
  charts.lag.add('max', t, s.eventLoopLagMs.max);
  charts.memory.add('rss', t, s.memory.rss / MIB);
  charts.memory.add('heap', t, s.memory.heapUsed / MIB);

  setKpi('connections', String(s.connections.total));
  setKpi('in', count(s.messages.inPerSec));
  setKpi('out', count(s.messages.outPerSec));
  setKpi('subscriptions', String(s.subscriptions));
  setKpi('history', s.historyMessages === null ? 'n/a' : String(s.historyMessages));
  setKpi('lag', ms(s.eventLoopLagMs.p99));
  setKpi('memory', bytes(s.memory.rss));
  setKpi('uptime', uptime(s.uptimeMs));
  for (const name of HUB_TRANSPORTS) document.body.dataset[`conn${name}`] = String(s.connections[name] ?? 0);

  byId('top').replaceChildren(
    ...s.topChannels.map((c) => {
      const row = el('tr');
      row.append(
        el('td', undefined, c.channel),
        el('td', 'num', String(c.subscribers)),
        el('td', 'num', String(c.historyLength)),
      );
      return row;
    }),
  );
  renderBridges(byId('bridges'), s.bridges);
}

const badge = byId('connection');
watchStats({
  snapshot: render,
  status(text, live) {
    badge.textContent = `stats ${text}`;
    badge.dataset.state = live ? 'open' : 'connecting';
  },
}).catch(() => {});
