import { describe, expect, it, vi } from 'vitest';
import { connect } from './index.ts';
import { type ChannelLink, Subscription } from './subscription.ts';
import { Timers } from './timers.ts';
import { jwtExpiry, refreshDelay, tokenSource } from './token.ts';
import { pollDelay } from './transports/poll.ts';
import { eventsUrl, httpBase, toWsUrl } from './urls.ts';

/** Subscriptions made outside a client: nothing here reaches for the client's side. */
const NO_LINK = {} as ChannelLink;

describe('small rules', () => {
  it('subscribe() throws bad_request for a cursor that is not one', async () => {
    const client = connect('http://127.0.0.1:9', { transports: ['poll'], storage: null, reportFallbacks: false });
    const refused = (message: string) => expect.objectContaining({ code: 'bad_request', message });
    expect(() => client.subscribe('a', { after: 'nope' })).toThrow(refused('invalid cursor: nope'));
    expect(() => client.subscribe('a', { after: 7 as unknown as string })).toThrow(refused('invalid cursor: 7'));
    await client.close();
  });

  it('clamps Herald-Poll-Interval into the client bounds', () => {
    expect(pollDelay('2500', 1000, 30_000)).toBe(2500);
    expect(pollDelay('10', 1000, 30_000)).toBe(1000);
    expect(pollDelay('999999', 1000, 30_000)).toBe(30_000);
    expect(pollDelay(null, 1000, 30_000)).toBe(1000);
    expect(pollDelay('soon', 1000, 30_000)).toBe(1000);
  });

  it('builds hub URLs', () => {
    expect(httpBase('wss://hub.example.com/')).toBe('https://hub.example.com');
    expect(toWsUrl('http://h:1', '/v1/ws')).toBe('ws://h:1/v1/ws');
    expect(eventsUrl('http://h', ['chat:r1', 'b'], 'e:1,0', { wait: 5 })).toBe(
      'http://h/v1/events?channel=chat%3Ar1&channel=b&after=e%3A1%2C0&wait=5',
    );
  });

  it('reads JWT expiry and refreshes a minute early (or at 80 % of a short life)', () => {
    const payload = btoa(JSON.stringify({ exp: 2000 })).replace(/=+$/, '');
    expect(jwtExpiry(`h.${payload}.s`)).toBe(2000);
    expect(jwtExpiry('opaque-api-key')).toBeUndefined();
    const urlSafe = btoa(JSON.stringify({ exp: 3000, n: '~~~??>>' }))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    expect(urlSafe).toMatch(/-.*_|_.*-/); // base64url, both substitutions used
    expect(jwtExpiry(`h.${urlSafe}.s`)).toBe(3000);
    expect(jwtExpiry(`h.${btoa('null')}.s`)).toBeUndefined();
    expect(refreshDelay(1000, 0)).toBe(940_000);
    expect(refreshDelay(10, 0)).toBe(8000);
  });

  it('starts no refresh timer once the client closed during a refresh in flight', async () => {
    vi.useFakeTimers();
    try {
      const jwt = (exp: number): string => `h.${btoa(JSON.stringify({ exp })).replace(/=+$/, '')}.s`;
      let answer: (token: string) => void = () => {};
      const tokens = tokenSource(undefined, (refresh) =>
        refresh ? new Promise<string>((resolve) => (answer = resolve)) : jwt(Date.now() / 1000 + 10),
      );
      await tokens.current();
      const timers = new Timers();
      let open = true;
      const used: string[] = [];
      tokens.keepFresh(
        timers,
        (t) => used.push(t),
        () => open,
      );
      await vi.advanceTimersByTimeAsync(8000); // 80 % of 10 s: the refresh starts
      open = false;
      timers.clearAll(); // what close() does
      answer(jwt(Date.now() / 1000 + 10));
      await vi.advanceTimersByTimeAsync(0);
      expect(used).toEqual([]);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('iterates messages and ends the loop on unsubscribe / with the error on failure', async () => {
    const sub = new Subscription('c', {}, NO_LINK, () => {});
    const it1 = sub[Symbol.asyncIterator]();
    sub.deliver({ channel: 'c', offset: 1, data: 'a', time: 0, cursor: 'e:1' });
    expect(await it1.next()).toMatchObject({ value: { data: 'a' }, done: false });
    const pending = it1.next();
    sub.deliver({ channel: 'c', offset: 2, data: 'b', time: 0, cursor: 'e:2' });
    expect(await pending).toMatchObject({ value: { data: 'b' } });
    sub.unsubscribe();
    expect(await it1.next()).toEqual({ value: undefined, done: true });

    const failing = new Subscription('d', {}, NO_LINK, () => {});
    const it2 = failing[Symbol.asyncIterator]();
    const waiting = it2.next();
    failing.end(Object.assign(new Error('nope'), { code: 'forbidden' }) as never);
    await expect(waiting).rejects.toThrow('nope');
  });
});
