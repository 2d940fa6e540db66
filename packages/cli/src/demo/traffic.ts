import { CHAT_LINES } from './chat-lines.ts';

/** One message the simulator publishes. */
export interface DemoMessage {
  readonly channel: string;
  readonly event?: string;
  readonly data: unknown;
}

/** A source of demo traffic: how long until its next tick, and what each tick publishes. */
export interface DemoStream {
  readonly name: string;
  /** Milliseconds until the next tick (drawn anew each time, so the traffic looks natural). */
  nextDelayMs(random: () => number): number;
  tick(random: () => number, now: number): DemoMessage[];
}

/** The ticker symbols of the demo (`ticker:<symbol>`), with their opening prices. */
export const TICKER_SYMBOLS = { HRLD: 142.5, ACME: 87.2, GLBX: 23.9, INIT: 310.4 } as const;

const between = (random: () => number, min: number, max: number): number => min + random() * (max - min);
const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const NOTIFICATIONS = [
  { title: 'Build #1283 passed', body: 'main is green again.', level: 'success' },
  { title: 'New comment on "Q3 plan"', body: 'Ana: looks good, ship it.', level: 'info' },
  { title: 'Deploy finished', body: 'api v2.14.0 is live in eu-west.', level: 'success' },
  { title: 'Disk usage at 81%', body: 'db-2 /var/lib is filling up.', level: 'warning' },
  { title: 'You were mentioned', body: 'Sam mentioned you in #design.', level: 'info' },
  { title: 'Invoice paid', body: 'Invoice 2024-118 was paid.', level: 'success' },
  { title: 'Login from a new device', body: 'Firefox on Linux, Lisbon.', level: 'warning' },
  { title: 'Payment failed', body: 'The card ending 4242 was declined.', level: 'error' },
  { title: 'Backup did not run', body: 'Nightly backup of db-1 timed out.', level: 'error' },
] as const;

/** Notifications for the bell: every 3 to 7 s on `notifications:demo`. */
function notifications(): DemoStream {
  let id = 0;
  return {
    name: 'notifications',
    nextDelayMs: (r) => between(r, 3_000, 7_000),
    tick: (r, now) => [
      {
        channel: 'notifications:demo',
        event: 'notification',
        data: { id: ++id, ...pick(r, NOTIFICATIONS), time: now },
      },
    ],
  };
}

const TEAMS = ['Lions', 'Tigers', 'Falcons', 'Wolves', 'Sharks', 'Bears'] as const;
const PLAYS = ['Corner', 'Shot on target', 'Free kick', 'Yellow card', 'Substitution', 'Shot wide', 'Offside'];

/** Live football scores on `scores:live`: about two updates a second, a goal now and then. */
function scores(): DemoStream {
  const matches = [0, 2, 4].map((i) => ({
    home: TEAMS[i] ?? 'A',
    away: TEAMS[i + 1] ?? 'B',
    h: 0,
    a: 0,
    minute: i * 12,
  }));
  return {
    name: 'scores',
    nextDelayMs: (r) => between(r, 300, 700),
    tick: (r) => {
      const m = pick(r, matches);
      m.minute += 1;
      if (m.minute > 90) Object.assign(m, { h: 0, a: 0, minute: 1 });
      const goal = r() < 0.08;
      const home = r() < 0.5;
      if (goal && home) m.h += 1;
      else if (goal) m.a += 1;
      const team = home ? m.home : m.away;
      const text = goal ? `GOAL! ${team} score` : `${pick(r, PLAYS)} for ${team}`;
      const data = { match: `${m.home} vs ${m.away}`, home: m.home, away: m.away, homeScore: m.h, awayScore: m.a };
      return [{ channel: 'scores:live', event: goal ? 'goal' : 'update', data: { ...data, minute: m.minute, text } }];
    },
  };
}

const SUBJECTS = ['Central bank', 'City council', 'Tech giant', 'Researchers', 'Space agency', 'Local team'];
const VERBS = ['announces', 'delays', 'unveils', 'questions', 'celebrates', 'reviews'];
const OBJECTS = [
  'new budget',
  'open-data plan',
  'battery breakthrough',
  'summer schedule',
  'rail link',
  'moon mission',
];
const SOURCES = ['Herald Wire', 'Daily Push', 'The Poller', 'Socket Times'];

/** Headlines on `news:live`: one every 2 to 5 s. */
function news(): DemoStream {
  return {
    name: 'news',
    nextDelayMs: (r) => between(r, 2_000, 5_000),
    tick: (r) => [
      {
        channel: 'news:live',
        event: 'headline',
        data: { headline: `${pick(r, SUBJECTS)} ${pick(r, VERBS)} ${pick(r, OBJECTS)}`, source: pick(r, SOURCES) },
      },
    ],
  };
}

/** Stock quotes on `ticker:<symbol>`: every 100 ms two to four symbols move, 20-40 updates a second. */
function ticker(): DemoStream {
  const prices = new Map<string, { open: number; price: number }>(
    Object.entries(TICKER_SYMBOLS).map(([symbol, open]) => [symbol, { open, price: open }]),
  );
  const symbols = [...prices.keys()];
  return {
    name: 'ticker',
    nextDelayMs: () => 100,
    tick: (r, now) => {
      const count = 2 + Math.floor(r() * 3);
      const moved = [...symbols].sort(() => r() - 0.5).slice(0, count);
      return moved.map((symbol) => {
        const quote = prices.get(symbol) ?? { open: 1, price: 1 };
        // A random walk with a pull back towards the open, so prices stay plausible over hours.
        const drift = (quote.open - quote.price) / quote.open / 50;
        quote.price = Math.max(0.01, quote.price * (1 + (r() - 0.5) * 0.003 + drift));
        const price = Math.round(quote.price * 100) / 100;
        const change = Math.round(((quote.price - quote.open) / quote.open) * 10_000) / 100;
        return { channel: `ticker:${symbol}`, event: 'quote', data: { symbol, price, change, time: now } };
      });
    },
  };
}

/**
 * A bot in `chat:lobby`: a line every 8 to 15 s, dealt from a shuffled deck of {@link CHAT_LINES} (every
 * line once before any repeats, never the same line twice in a row).
 */
function chatBot(): DemoStream {
  let deck: string[] = [];
  let last: string | undefined;
  return {
    name: 'chat',
    nextDelayMs: (r) => between(r, 8_000, 15_000),
    tick: (r) => {
      if (deck.length === 0) deck = shuffled(r, CHAT_LINES, last);
      const text = deck.pop() ?? '';
      last = text;
      return [{ channel: 'chat:lobby', event: 'message', data: { name: 'herald-bot', text } }];
    },
  };
}

/** `items` in random order (Fisher-Yates), `avoid` not dealt first (the deck is dealt from its end). */
function shuffled<T>(random: () => number, items: readonly T[], avoid: T | undefined): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  if (out.length > 1 && out[out.length - 1] === avoid)
    [out[0], out[out.length - 1]] = [out[out.length - 1] as T, out[0] as T];
  return out;
}

const BOT = { player: 'herald-bot', name: 'herald-bot', colour: '#e4572e' } as const;

/** A bot player on the shared board: its cursor on `board:cursors` 5 times a second, a painted cell every 3 s. */
function boardBot(): DemoStream {
  let step = 0;
  return {
    name: 'board',
    nextDelayMs: () => 200,
    tick: (r) => {
      step += 1;
      // A slow Lissajous curve, normalized to the board (0..1 both ways).
      const x = Math.round((0.5 + 0.4 * Math.sin(step / 15)) * 1000) / 1000;
      const y = Math.round((0.5 + 0.4 * Math.sin(step / 11 + 1)) * 1000) / 1000;
      const out: DemoMessage[] = [{ channel: 'board:cursors', event: 'cursor', data: { ...BOT, x, y } }];
      if (step % 15 === 0) {
        const cell = { x: Math.floor(r() * 16), y: Math.floor(r() * 16), colour: BOT.colour, player: BOT.player };
        out.push({ channel: 'board:cells', event: 'cell', data: cell });
      }
      return out;
    },
  };
}

/** Every demo stream: one per demo page (the media page needs none). */
export function demoStreams(): DemoStream[] {
  return [notifications(), scores(), news(), ticker(), chatBot(), boardBot()];
}

/** The channels the demo streams publish to (for the start-up line and the docs). */
export const DEMO_CHANNELS = [
  'notifications:demo',
  'scores:live',
  'news:live',
  ...Object.keys(TICKER_SYMBOLS).map((s) => `ticker:${s}`),
  'chat:lobby',
  'board:cursors',
  'board:cells',
] as const;
