import { describe, expect, it } from 'vitest';
import type { CliIo } from '../io.ts';
import { Session } from './session.ts';

function session(count?: number, after?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (s) => void out.push(s),
    err: (s) => void err.push(s),
    readStdin: async () => '',
    onSignal: () => () => {},
    logDestination: () => ({ write: () => {} }),
  };
  return {
    s: new Session('ch', io, count, after),
    lines: () => out.map((l) => JSON.parse(l) as unknown),
    status: () => err,
  };
}

describe('Session', () => {
  it('prints each message once with its cursor, skipping replays at or before the cursor', () => {
    const { s, lines } = session(undefined, 'e1:1');
    s.message({ offset: 1, data: 'old', time: 1 }); // already seen
    s.message({ offset: 2, event: 'goal', data: { a: 1 }, time: 2 });
    s.message({ offset: 2, data: 'again', time: 2 }); // a reconnect replayed it
    expect(lines()).toEqual([{ channel: 'ch', offset: 2, event: 'goal', data: { a: 1 }, time: 2, cursor: 'e1:2' }]);
    expect(s.cursor).toBe('e1:2');
  });

  it('prints a reset and continues in the new epoch', () => {
    const { s, lines } = session(undefined, 'e1:5');
    s.reset('e2', 1);
    s.message({ offset: 1, data: 'x', time: 3 });
    expect(lines()).toEqual([
      { reset: { channel: 'ch', epoch: 'e2', from: 1 } },
      { channel: 'ch', offset: 1, data: 'x', time: 3, cursor: 'e2:1' },
    ]);
  });

  it('learns the epoch from a position when it starts from 0', () => {
    const { s, lines } = session(undefined, '0');
    s.message({ offset: 1, data: 'no epoch yet', time: 1 });
    s.position('e3:0');
    s.message({ offset: 1, data: 'y', time: 1 });
    expect(lines()).toEqual([{ channel: 'ch', offset: 1, data: 'y', time: 1, cursor: 'e3:1' }]);
  });

  it('stops after count messages; resets do not count', () => {
    const { s, lines } = session(2, 'e1:0');
    s.message({ offset: 1, data: 1, time: 1 });
    s.reset('e2', 4);
    expect(s.done).toBe(false);
    s.message({ offset: 4, data: 2, time: 1 });
    expect(s.done).toBe(true);
    s.message({ offset: 5, data: 3, time: 1 });
    expect(lines()).toHaveLength(3);
  });

  it('says on stderr when it is subscribed and when it reconnects, and how to get history', () => {
    const fresh = session();
    fresh.s.position('e1:7'); // located at the channel's end: new messages only
    fresh.s.connected('sse');
    fresh.s.message({ offset: 8, data: 1, time: 1 });
    fresh.s.connected('sse');
    expect(fresh.status()).toEqual([
      'herald subscribe: subscribed to ch over sse: new messages only (--after 0 for the history the hub keeps)\n',
      'herald subscribe: reconnected to ch over sse, resuming after e1:8\n',
    ]);
    expect(fresh.lines()).toHaveLength(1); // stdout: messages only

    const history = session(undefined, '0');
    history.s.connected('long-poll');
    const resumed = session(undefined, 'e1:3');
    resumed.s.connected('websocket');
    expect([...history.status(), ...resumed.status()]).toEqual([
      'herald subscribe: subscribed to ch over long-poll, from the oldest message kept\n',
      'herald subscribe: subscribed to ch over websocket, after e1:3\n',
    ]);
  });
});
