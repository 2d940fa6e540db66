import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SilentConnections } from './silent-connections.ts';

function fakeSocket(bytesRead: number) {
  const s = { bytesRead, destroyed: false, destroy: () => (s.destroyed = true) };
  return s;
}

describe('SilentConnections', () => {
  it('closes, after the timeout, only connections that never sent a byte', async () => {
    const silent = new SilentConnections(60, 20);
    const quiet = fakeSocket(0);
    const talker = fakeSocket(0);
    silent.watch(quiet as unknown as Socket);
    silent.watch(talker as unknown as Socket);
    talker.bytesRead = 120;
    await new Promise((r) => setTimeout(r, 30));
    expect(quiet.destroyed).toBe(false);
    await new Promise((r) => setTimeout(r, 80));
    expect(quiet.destroyed).toBe(true);
    expect(talker.destroyed).toBe(false);
    const late = fakeSocket(0);
    silent.watch(late as unknown as Socket);
    await new Promise((r) => setTimeout(r, 120));
    expect(late.destroyed).toBe(true);
    silent.stop();
  });
});
