import type { Message } from '@herald/client';
import { byId, el, showError } from './lib/dom.ts';
import { clock, ms } from './lib/format.ts';
import { connectHub } from './lib/hub.ts';
import { publishOrAsk } from './lib/publish.ts';

const CHANNEL = 'notifications:demo';
const TOAST_MS = 4_000;

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

function text(data: unknown): { title: string; body: string } {
  if (typeof data === 'object' && data !== null) {
    const n = data as Note;
    const title = typeof n.title === 'string' ? n.title : JSON.stringify(data);
    return { title, body: typeof n.body === 'string' ? n.body : '' };
  }
  return { title: String(data), body: '' };
}

function show(m: Message): void {
  const { title, body } = text(m.data);
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
  const item = el('li', 'unread', title);
  item.dataset.offset = String(m.offset);
  item.append(el('span', 'note-meta', `${body} · ${clock(m.time)} · after ${ms(Math.max(0, Date.now() - m.time))}`));
  feed.prepend(item);
  while (feed.children.length > 50) feed.lastElementChild?.remove();

  const toast = el('div', 'toast');
  toast.append(el('strong', undefined, title));
  if (body !== '') toast.append(el('div', 'small', body));
  toasts.append(toast);
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
