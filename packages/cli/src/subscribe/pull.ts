import type { PullBody } from '@herald/protocol';
import { authHeaders, channelUrl } from '../http.ts';
import type { Session } from './session.ts';
import { type Connect, httpEnding, sleep } from './transport.ts';

/** Longest hold asked for, in seconds (the hub caps it at its own limit). */
const WAIT_S = 25;
/** Poll interval when the hub does not suggest one, ms. */
const FALLBACK_INTERVAL_MS = 1_000;

/** `--transport long-poll`: repeated `?after=&wait=` requests (contract section 3). */
export const connectLongPoll: Connect = (session, target) => pullLoop(session, target.url, target.apiKey, true);

/** `--transport poll`: plain pulls, paced by the hub's `Herald-Poll-Interval`. */
export const connectPoll: Connect = (session, target) => pullLoop(session, target.url, target.apiKey, false);

async function pullLoop(session: Session, base: string, apiKey: string | undefined, hold: boolean) {
  const headers = { accept: 'application/json', ...authHeaders(apiKey) };
  let answered = false;
  while (!session.done) {
    const query = new URLSearchParams({ after: session.cursor ?? '0', limit: '1000' });
    // The first request of a connection is a plain pull: its answer comes at once and says the hub
    // is there (a held one could say nothing for 25 s); the holds follow.
    if (hold && answered) query.set('wait', String(WAIT_S));
    const res = await fetch(channelUrl(base, session.channel, `/messages?${query}`), {
      headers,
      signal: session.stop.signal,
    });
    if (res.status !== 200 && res.status !== 204 && res.status !== 304) return httpEnding(res);
    if (!answered) session.connected(hold ? 'long-poll' : 'poll');
    answered = true;
    let more = false;
    if (res.status === 200) {
      const body = (await res.json()) as PullBody;
      if (body.reset !== undefined) session.reset(body.reset.epoch, body.reset.from);
      for (const m of body.messages) session.message(m, body.epoch);
      session.position(body.cursor);
      more = body.more === true;
    }
    if (!hold && !more) {
      const suggested = Number(res.headers.get('herald-poll-interval'));
      await sleep(suggested > 0 ? suggested : FALLBACK_INTERVAL_MS, session.stop.signal);
    }
  }
  return { advice: 'now' as const, reason: 'stopped' };
}
