import { renderBars } from './lib/bars.ts';
import { byId, showError } from './lib/dom.ts';
import { bytes, ms } from './lib/format.ts';
import { connectHub } from './lib/hub.ts';
import { LabPanel, type PanelSpec } from './lib/lab-panel.ts';
import { publishOrAsk } from './lib/publish.ts';
import { ScoresFeed } from './lib/scores-feed.ts';

/** The page publishes scores; the demo simulator adds scores and headlines. */
const CHANNEL = 'scores:live';
const FEED = [CHANNEL, 'news:live'];

const SPECS: PanelSpec[] = [
  {
    transport: 'poll',
    title: 'Interval polling',
    short: 'Polling',
    how: 'GET every interval; 304 when nothing changed',
    color: 'var(--poll)',
  },
  {
    transport: 'long-poll',
    title: 'Long polling',
    short: 'Long poll',
    how: 'GET ?wait=25, held until a message comes',
    color: 'var(--longpoll)',
  },
  {
    transport: 'sse',
    title: 'Server-Sent Events',
    short: 'SSE',
    how: 'one text/event-stream response, kept open',
    color: 'var(--sse)',
  },
  {
    transport: 'websocket',
    title: 'WebSocket',
    short: 'WebSocket',
    how: 'one socket, frames in both directions',
    color: 'var(--websocket)',
  },
];

const controls = byId<HTMLFormElement>('controls');
const rateInput = controls.elements.namedItem('rate') as HTMLInputElement;
const intervalInput = controls.elements.namedItem('interval') as HTMLInputElement;
const badge = byId('connection');
const published = byId('published');

const panels = SPECS.map((spec) => new LabPanel(spec, FEED, showConnections));
byId('lab').append(...panels.map((p) => p.element));
for (const p of panels) p.connect(Number(intervalInput.value));

/** The header badge sums up the four clients (this page has no single connection). */
function showConnections(): void {
  const open = panels.filter((p) => p.open).length;
  badge.textContent = `${open}/${panels.length} transports open`;
  badge.dataset.state = open === panels.length ? 'open' : 'connecting';
}

// The page's own publisher: a client without subscriptions publishes by plain POST, so none of the
// four panels pays for it.
const publisher = connectHub({}, { badge: false });
const feed = new ScoresFeed();
let publishTimer: ReturnType<typeof setInterval> | undefined;
let sent = 0;
function schedulePublishing(): void {
  clearInterval(publishTimer);
  const rate = Number(rateInput.value);
  byId('rate-out').textContent = `${rate} msg/s`;
  if (rate === 0) return;
  publishTimer = setInterval(() => {
    publishOrAsk(publisher, CHANNEL, feed.next()).then(
      () => {
        sent++;
        published.textContent = `${sent} published from this page`;
      },
      (error: unknown) => {
        clearInterval(publishTimer);
        showError(`publishing stopped: ${(error as Error).message}`);
      },
    );
  }, 1000 / rate);
}
rateInput.addEventListener('input', schedulePublishing);
schedulePublishing();

intervalInput.addEventListener('change', () => {
  byId('interval-out').textContent = `${intervalInput.value} ms`;
  panels.find((p) => p.spec.transport === 'poll')?.connect(Number(intervalInput.value));
});
intervalInput.addEventListener('input', () => {
  byId('interval-out').textContent = `${intervalInput.value} ms`;
});
byId('reset').addEventListener('click', () => {
  for (const p of panels) p.meter.reset();
});

const bars = byId('bars');
setInterval(() => {
  for (const p of panels) p.render();
  bars.replaceChildren();
  const bar = (pick: (p: LabPanel) => number, text: (v: number) => string) =>
    panels.map((p) => ({ label: p.spec.short, value: pick(p), color: p.spec.color, text: text(pick(p)) }));
  renderBars(
    bars,
    'Requests made',
    bar((p) => p.meter.requests, String),
  );
  renderBars(
    bars,
    'Bytes received',
    bar((p) => p.meter.bytes, bytes),
  );
  renderBars(
    bars,
    'Average delivery delay',
    bar((p) => p.meter.delayAvg, ms),
  );
}, 250);
