import { type Message, type PresenceMember, presence, type Subscription } from '@herald/client';
import { byId, el, showError } from './lib/dom.ts';
import { clock } from './lib/format.ts';
import { connectHub } from './lib/hub.ts';
import { publishOrAsk } from './lib/publish.ts';

const ROOMS = ['lobby', 'random', 'help'];
const NAME_KEY = 'herald:chat-name';

const list = byId<HTMLOListElement>('messages');
const members = byId('members');
const nameInput = byId<HTMLFormElement>('name-form').elements.namedItem('name') as HTMLInputElement;
nameInput.value = localStorage.getItem(NAME_KEY) ?? `guest-${Math.floor(Math.random() * 9000 + 1000)}`;

let room = ROOMS[0] ?? 'lobby';
let sub: Subscription | undefined;
let joinedAt = 0;

/** A leave announced this recently before a join of the same socket is a rename, not a departure. */
const RENAME_MS = 400;
const leaving = new Map<string, { name: string; timer: ReturnType<typeof setTimeout> }>();

const nameOf = (m: PresenceMember): string | undefined => (typeof m.info.name === 'string' ? m.info.name : undefined);

/** The member list: named members (the hub-verified user beside the name, when there is one), then watchers. */
function renderMembers(all: readonly PresenceMember[], self: string | undefined): void {
  // Every WebSocket subscriber is a member; tabs that only watch (the index page) have no name.
  const named = all.filter((m) => nameOf(m) !== undefined);
  const items = named.map((m) => {
    const item = el('li', undefined, `${nameOf(m)}${m.client === self ? ' (you)' : ''}`);
    if (m.user !== undefined) item.append(el('span', 'muted small', ` · ${m.user}`));
    return item;
  });
  const watching = all.length - named.length;
  if (watching > 0) items.push(el('li', 'muted small', `+ ${watching} watching without a name`));
  members.replaceChildren(...items);
  byId('member-count').textContent = `(${named.length})`;
}

/** A join or leave as a line in the room (a quick leave-then-join of one socket is a rename). */
function announce(kind: 'join' | 'leave', member: PresenceMember): void {
  const name = nameOf(member);
  if (name === undefined) return;
  const left = leaving.get(member.client);
  if (kind === 'leave') {
    const timer = setTimeout(() => {
      leaving.delete(member.client);
      system(`${name} left`);
    }, RENAME_MS);
    leaving.set(member.client, { name, timer });
  } else if (left !== undefined) {
    clearTimeout(left.timer);
    leaving.delete(member.client);
    if (left.name !== name) system(`${left.name} is now ${name}`);
  } else system(`${name} joined`);
}

const herald = connectHub();

/**
 * Whether the list follows the newest line: true until the reader scrolls up to read older lines
 * (they are not yanked back down), true again once they scroll back to the bottom.
 */
let follow = true;
const nearBottom = (): boolean => list.scrollHeight - list.scrollTop - list.clientHeight < 40;
list.addEventListener('scroll', () => {
  follow = nearBottom();
});
// The box changes height too (the member list grows, a phone turns, the keyboard opens): keep the newest in view.
new ResizeObserver(() => {
  if (follow) list.scrollTop = list.scrollHeight;
}).observe(list);

function line(item: HTMLLIElement): void {
  // Where the reader is now, not only as of the last 'scroll' event: that event comes a frame late,
  // so a line arriving just after the reader scrolled up would otherwise pull them back down.
  follow = nearBottom();
  list.querySelector('li.empty')?.remove();
  list.append(item);
  while (list.children.length > 300) list.firstElementChild?.remove();
  if (follow) list.scrollTop = list.scrollHeight;
}

function system(text: string): void {
  line(el('li', 'system', text));
}

function show(m: Message): void {
  const d = (typeof m.data === 'object' && m.data !== null ? m.data : { text: String(m.data) }) as Record<
    string,
    unknown
  >;
  // History replays first; anything published before this page joined is shown dimmed.
  const item = el('li', m.time < joinedAt ? 'history' : 'live');
  item.append(el('span', 'who', String(d.name ?? 'anonymous')), String(d.text ?? JSON.stringify(d)));
  item.append(el('span', 'when', clock(m.time)));
  line(item);
}

function join(next: string): void {
  room = next;
  sub?.unsubscribe();
  // Replaced by the room's first line (its history comes right after this).
  list.replaceChildren(
    el('li', 'system empty', `Nothing said in #${next} yet. Say something, or open this page in another tab.`),
  );
  members.replaceChildren();
  follow = true;
  joinedAt = Date.now();
  byId('room-title').textContent = `#${room}`;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#rooms button')) {
    b.className = b.dataset.room === room ? '' : 'secondary';
  }
  // `after: '0'`: every message still in the room's history, then live.
  listen('0');
}

/**
 * Subscribes to the current room from `after`, as a member named by the name field. The SDK's presence
 * follows who is in the room (its list ends with the subscription, so a room change starts a new one).
 */
function listen(after: string): void {
  const current = herald.subscribe(`chat:${room}`, { after, info: { name: nameInput.value } });
  sub = current;
  current.on('message', show);
  current.on('error', (e) => showError(`cannot join #${room}: ${e.message}`));
  const who = presence(current);
  const render = (): void => renderMembers(who.members, who.self);
  who.on('sync', render);
  who.on('join', (m) => {
    announce('join', m);
    render();
  });
  who.on('leave', (m) => {
    announce('leave', m);
    render();
  });
  who.on('error', (e) => showError(`no member list for #${room}: ${e.message}`));
}

byId('rooms').append(
  ...ROOMS.map((r) => {
    const b = el('button', 'secondary', `#${r}`);
    b.type = 'button';
    b.dataset.room = r;
    b.addEventListener('click', () => join(r));
    return b;
  }),
);

byId('name-form').addEventListener('submit', (event) => event.preventDefault());
nameInput.addEventListener('change', () => {
  localStorage.setItem(NAME_KEY, nameInput.value);
  // Presence info is given on subscribe: subscribe again from where this one is (nothing lost or repeated).
  const cursor = sub?.cursor ?? '0';
  sub?.unsubscribe();
  listen(cursor);
});

const say = byId<HTMLFormElement>('say');
say.addEventListener('submit', (event) => {
  event.preventDefault();
  const input = say.elements.namedItem('text') as HTMLInputElement;
  const text = input.value.trim();
  if (text === '') return;
  input.value = '';
  publishOrAsk(herald, `chat:${room}`, { name: nameInput.value, text }, { event: 'msg' }).catch((e: unknown) =>
    showError(`not sent: ${(e as Error).message}`),
  );
});

join(room);
