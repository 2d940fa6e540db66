import type { Message } from '@herald/client';
import { byId, el } from './lib/dom.ts';
import { ms } from './lib/format.ts';
import { connectHub } from './lib/hub.ts';
import { legend, type SeriesStyle, TimeChart } from './lib/time-chart.ts';

const SYMBOLS = ['HRLD', 'ACME', 'GLBX', 'INIT'];
const COLORS = ['#3b5bdb', '#e8590c', '#2b8a3e', '#ae3ec9'];
const IDLE_HINT_MS = 3_000;

/** One symbol's card and the first price seen (the chart's baseline). */
interface Quote {
  readonly price: HTMLElement;
  readonly change: HTMLElement;
  first: number | undefined;
}

// SSE on purpose: a one-way, high-rate feed is what it is for (the SDK would pick WebSocket first).
const herald = connectHub({ transports: ['sse'] });
const chart = new TimeChart(byId<HTMLCanvasElement>('chart'), {
  windowMs: 30_000,
  zeroBased: false,
  format: (v) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}%`,
});
const styles: SeriesStyle[] = SYMBOLS.map((s, i) => ({ label: s, color: COLORS[i] ?? '#333' }));
legend(byId('legend'), styles);

const idle = byId('idle');
const quotes = new Map<string, Quote>();
for (const [i, symbol] of SYMBOLS.entries()) {
  chart.series(symbol, styles[i] as SeriesStyle);
  const card = el('div', 'card quote');
  card.dataset.symbol = symbol;
  const price = el('div', 'price', '–');
  const change = el('div', 'small muted', 'waiting for ticks');
  card.append(el('div', 'symbol', symbol), price, change);
  byId('quotes').append(card);
  quotes.set(symbol, { price, change, first: undefined });
}

/** Accepts `{symbol?, price}` or a bare number; the symbol defaults to the channel's suffix. */
function priceOf(m: Message): number | undefined {
  const d = m.data as { price?: unknown } | number | null;
  const price = typeof d === 'number' ? d : typeof d?.price === 'number' ? d.price : undefined;
  return price !== undefined && Number.isFinite(price) ? price : undefined;
}

let ticks = 0;
let delaySum = 0;
function tick(symbol: string, m: Message): void {
  const q = quotes.get(symbol);
  const price = priceOf(m);
  if (q === undefined || price === undefined) return;
  ticks++;
  idle.hidden = true;
  delaySum += Math.max(0, Date.now() - m.time);
  q.first ??= price;
  const pct = ((price - q.first) / q.first) * 100;
  chart.add(symbol, Date.now(), pct);
  // Colour and arrow follow the change since the page opened, as the chart does.
  const up = pct >= 0;
  q.price.textContent = price.toFixed(2);
  q.price.className = `price ${up ? 'up' : 'down'}`;
  q.change.textContent = `${up ? '▲' : '▼'} ${up ? '+' : ''}${pct.toFixed(2)}% since opened`;
}

for (const symbol of SYMBOLS) herald.subscribe(`ticker:${symbol}`).on('message', (m) => tick(symbol, m));
chart.start();

// Updates per second over the last second, and the mean hub-to-screen delay.
const rate = byId('rate');
let lastTicks = 0;
setInterval(() => {
  const perSec = ticks - lastTicks;
  rate.textContent = `· ${perSec} updates/s · mean delay ${ms(ticks === 0 ? Number.NaN : delaySum / ticks)}`;
  rate.dataset.ticks = String(ticks);
  lastTicks = ticks;
}, 1_000);
setTimeout(() => {
  if (ticks === 0) idle.hidden = false;
}, IDLE_HINT_MS);
