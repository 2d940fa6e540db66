/**
 * One update of the feed, in the demo simulator's shape (`herald demo`), plus the time this page
 * published it (its own clock, so the delay it measures is exact).
 */
export interface ScoreUpdate {
  match: string;
  home: string;
  away: string;
  homeScore: number;
  awayScore: number;
  minute: number;
  text: string;
  sentAt: number;
}

const TEAMS = ['Lions', 'Tigers', 'Falcons', 'Sharks', 'Wolves', 'Bears', 'Eagles', 'Rovers'];

/** Four matches that score at random: made-up but plausible data for the page's own publishing. */
export class ScoresFeed {
  readonly #matches = [0, 2, 4, 6].map((i) => ({ home: TEAMS[i] ?? '', away: TEAMS[i + 1] ?? '', h: 0, a: 0 }));
  #minute = 1;

  next(): ScoreUpdate {
    const m = this.#matches[Math.floor(Math.random() * this.#matches.length)] ?? this.#matches[0];
    if (m === undefined) throw new Error('no matches');
    const home = Math.random() < 0.5;
    if (home) m.h++;
    else m.a++;
    this.#minute = (this.#minute % 90) + 1;
    return {
      match: `${m.home} vs ${m.away}`,
      home: m.home,
      away: m.away,
      homeScore: m.h,
      awayScore: m.a,
      minute: this.#minute,
      text: `GOAL! ${home ? m.home : m.away} score`,
      sentAt: Date.now(),
    };
  }
}

/** A line of text for any message of the feed (the simulator may publish scores or news). */
export function describe(data: unknown): string {
  if (typeof data === 'object' && data !== null) {
    const d = data as Record<string, unknown>;
    if (typeof d.home === 'string' && typeof d.away === 'string') {
      const text = typeof d.text === 'string' ? ` · ${d.text}` : '';
      return `${d.minute ?? ''}' ${d.home} ${d.homeScore ?? 0}-${d.awayScore ?? 0} ${d.away}${text}`;
    }
    if (typeof d.headline === 'string') return `News: ${d.headline}`;
    if (typeof d.title === 'string') return d.title;
  }
  return JSON.stringify(data);
}

/** When the message was published: the page's own `sentAt` when present, else the hub's time. */
export function sentAt(data: unknown, hubTime: number): number {
  const t = (data as { sentAt?: unknown } | null)?.sentAt;
  return typeof t === 'number' ? t : hubTime;
}
