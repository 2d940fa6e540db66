import type { Message } from '@herald/client';
import { byId, el, showError } from './lib/dom.ts';
import { clock, ms } from './lib/format.ts';
import { connectHub } from './lib/hub.ts';
import { publishOrAsk } from './lib/publish.ts';

const CHANNEL = 'notifications:demo';
const TOAST_MS = 4_000;
const MAX_TOASTS = 4;

/** What a notification may carry; anything else (a string, other JSON) is shown as text. */
interface Note {
  title?: unknown;
  body?: unknown;
  level?: unknown;
}

const herald = connectHub();
const bell = byId('bell');
const count = byId('count');
const feed = byId('feed');
const total = byId('total');
const toasts = byId('toasts');
let unread = 0;
let received = 0;

/** The levels the page tells apart (colour, symbol and word); anything else shows as `info`. */
const LEVELS = { info: 'i', success: '✓', warning: '!', error: '✕' } as const;
type Level = keyof typeof LEVELS;

function text(data: unknown): { title: string; body: string; level: Level } {
  if (typeof data === 'object' && data !== null) {
    const n = data as Note;
    const title = typeof n.title === 'string' ? n.title : JSON.stringify(data);
    const level = typeof n.level === 'string' && Object.hasOwn(LEVELS, n.level) ? (n.level as Level) : 'info';
    return { title, body: typeof n.body === 'string' ? n.body : '', level };
  }
  return { title: String(data), body: '', level: 'info' };
}

/** The level's badge: a symbol in a coloured disc, its name for screen readers and as a tooltip. */
function badge(level: Level): HTMLSpanElement {
  const b = el('span', 'level-badge', LEVELS[level]);
  b.title = level;
  b.setAttribute('aria-label', level);
  return b;
}

function show(m: Message): void {
  const { title, body, level } = text(m.data);
  unread++;
  received++;
  count.hidden = false;
  count.textContent = String(unread);
  total.textContent = `(${received})`;
  // Restart the ring animation: removing and re-adding the class only works across a reflow.
  bell.classList.remove('ring');
  void bell.offsetWidth;
  bell.classList.add('ring');

  if (received === 1) feed.replaceChildren();
  const item = el('li', `unread level-${level}`);
  item.dataset.offset = String(m.offset);
  item.dataset.level = level;
  const meta = [body, clock(m.time), `after ${ms(Math.max(0, Date.now() - m.time))}`].filter((t) => t !== '');
  item.append(badge(level), el('span', 'note-title', title), el('span', 'note-meta', meta.join(' · ')));
  feed.prepend(item);
  while (feed.children.length > 50) feed.lastElementChild?.remove();

  const toast = el('div', `toast level-${level}`);
  toast.dataset.level = level;
  const head = el('div', 'toast-head');
  head.append(badge(level), el('strong', undefined, title));
  toast.append(head);
  if (body !== '') toast.append(el('div', 'small', body));
  toasts.append(toast);
  // A burst shows its latest few (the inbox keeps every one): a stack of toasts would cover the page.
  while (toasts.children.length > MAX_TOASTS) toasts.firstElementChild?.remove();
  setTimeout(() => toast.remove(), TOAST_MS);
}

herald.subscribe(CHANNEL).on('message', show);

bell.addEventListener('click', () => {
  unread = 0;
  count.hidden = true;
  for (const li of feed.querySelectorAll('li.unread')) li.classList.remove('unread');
});

const form = byId<HTMLFormElement>('send');
const sent = byId('sent');
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const fields = new FormData(form);
  const data = { title: fields.get('title'), body: fields.get('body'), level: fields.get('level') };
  const started = performance.now();
  publishOrAsk(herald, CHANNEL, data).then(
    (r) => {
      sent.textContent = `published as #${r.offset} in ${ms(performance.now() - started)}`;
    },
    (error: unknown) => showError(`publish failed: ${(error as Error).message}`),
  );
});
