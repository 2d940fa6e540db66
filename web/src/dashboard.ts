import { BYTES, COUNT, MILLIS, RATE } from './lib/axis.ts';
import { renderBridges } from './lib/bridges-panel.ts';
import { byId, el } from './lib/dom.ts';
import { bytes, ms } from './lib/format.ts';
import { LiveChart, type LiveChartOptions, type SeriesStyle } from './lib/live-chart.ts';
import { HUB_TRANSPORTS, type StatsSnapshot, watchStats } from './lib/stats.ts';
import { renderTopChannels } from './lib/top-channels.ts';

const WINDOW_SEC = 120;
const HEIGHT = 170;
/**
 * Colours and names per transport (under the stats' current and former names); the labels are the
 * transport names every Herald tool uses (docs/config.md). A transport this page does not know still gets a colour.
 */
const WEBSOCKET: SeriesStyle = { label: 'websocket', color: '#3b5bdb' };
const LONG_POLL: SeriesStyle = { label: 'long-poll', color: '#f59f00' };
const TRANSPORT_STYLE: Readonly<Record<string, SeriesStyle>> = {
  websocket: WEBSOCKET,
  ws: WEBSOCKET,
  sse: { label: 'sse', color: '#2b8a3e' },
  ndjson: { label: 'ndjson', color: '#7048e8' },
  'long-poll': LONG_POLL,
  longpoll: LONG_POLL,
  poll: { label: 'poll', color: '#e8590c' },
};
const SPARE_COLORS = ['#0c8599', '#c2255c', '#495057'];
const transports = new Map<string, SeriesStyle>(
  HUB_TRANSPORTS.map((name, i) => [
    name,
    TRANSPORT_STYLE[name] ?? { label: name, color: SPARE_COLORS[i % SPARE_COLORS.length] as string },
  ]),
);

const chart = (id: string, options: Omit<LiveChartOptions, 'windowSec' | 'height'>): LiveChart =>
  new LiveChart(byId(`chart-${id}`), { windowSec: WINDOW_SEC, height: HEIGHT, ...options });

// Parts of a whole (connections, bytes by transport) are stacked, so no transport hides another.
// Lines that may coincide (in and out at one subscriber per channel; lag percentiles on an idle
// loop) are drawn wide under narrow, so both stay visible where they meet.
const charts = {
  connections: chart('connections', { series: transports, unit: COUNT, stacked: true, empty: 'no connections yet' }),
  messages: chart('messages', {
    series: new Map([
      ['out', { label: 'delivered (out)', color: '#1971c2', width: 4 }],
      ['in', { label: 'published (in)', color: '#e03131', width: 1.5 }],
    ]),
    unit: RATE,
    empty: 'no traffic yet',
  }),
  bytes: chart('bytes', { series: transports, unit: BYTES, stacked: true, empty: 'no traffic yet' }),
  lag: chart('lag', {
    series: new Map([
      ['max', { label: 'max', color: '#c92a2a', width: 1, fill: true }],
      ['p99', { label: 'p99', color: '#f08c00', width: 3 }],
      ['p50', { label: 'p50', color: '#2b8a3e', width: 1.5 }],
    ]),
    unit: MILLIS,
  }),
  memory: chart('memory', {
    series: new Map([
      ['rss', { label: 'RSS', color: '#5f3dc4', fill: true }],
      ['heap', { label: 'heap used', color: '#0c8599', fill: true }],
    ]),
    unit: BYTES,
  }),
};

const count = (v: number): string =>
  v >= 10_000 ? `${(v / 1000).toFixed(0)}k` : v.toFixed(v < 10 && v % 1 !== 0 ? 1 : 0);

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
  charts.connections.push(t, s.connections);
  charts.bytes.push(t, s.bytesOutPerSec);
  charts.messages.push(t, { in: s.messages.inPerSec, out: s.messages.outPerSec });
  charts.lag.push(t, s.eventLoopLagMs);
  charts.memory.push(t, { rss: s.memory.rss, heap: s.memory.heapUsed });

  setKpi('connections', String(s.connections.total));
  setKpi('in', count(s.messages.inPerSec));
  setKpi('out', count(s.messages.outPerSec));
  setKpi('subscriptions', String(s.subscriptions));
  setKpi('history', s.historyMessages === null ? 'n/a' : String(s.historyMessages));
  setKpi('lag', ms(s.eventLoopLagMs.p99));
  setKpi('memory', bytes(s.memory.rss));
  setKpi('uptime', uptime(s.uptimeMs));
  // data-conn<transport> for tests and styles; a dataset key cannot hold the '-' of 'long-poll'.
  for (const name of HUB_TRANSPORTS) {
    document.body.dataset[`conn${name.replaceAll('-', '')}`] = String(s.connections[name] ?? 0);
  }

  renderTopChannels(byId('top'), s.topChannels);
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
