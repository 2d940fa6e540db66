import { describe, expect, it } from 'vitest';
import { MemoryEngine } from './memory-engine.ts';
import { engineContract } from './testing/index.ts';

// No restart hook: the memory engine keeps nothing across a restart, so those cases are skipped.
engineContract('memory', async () => ({ engine: new MemoryEngine({ sweepIntervalMs: 0 }) }));

describe('MemoryEngine.sweep', () => {
  const limits = { size: 10, maxAgeMs: 1000 };

  it('forgets an idle channel whose history is empty; its next use starts a new epoch', async () => {
    let now = 1_000_000;
    const engine = new MemoryEngine({ sweepIntervalMs: 0, now: () => now });
    const written = await engine.append('idle', [{ event: undefined, data: '1' }], limits);
    now += 500;
    engine.sweep();
    // Still within max age: kept, same epoch.
    expect(await engine.state('idle', limits)).toEqual({ epoch: written.epoch, first: 1, last: 1 });
    now += 1000;
    engine.sweep();
    expect(engine.historySize()).toBe(0);
    const after = await engine.state('idle', limits);
    expect(after.epoch).not.toBe(written.epoch);
    expect(after).toMatchObject({ first: 1, last: 0 });
    await engine.close();
  });

  it('keeps a channel that still holds history', async () => {
    let now = 1_000_000;
    const engine = new MemoryEngine({ sweepIntervalMs: 0, now: () => now });
    const long = { size: 10, maxAgeMs: 5000 };
    const written = await engine.append('busy', [{ event: undefined, data: '1' }], long);
    now += 2000;
    engine.sweep();
    expect(await engine.state('busy', long)).toEqual({ epoch: written.epoch, first: 1, last: 1 });
    await engine.close();
  });
});
