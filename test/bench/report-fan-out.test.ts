import { describe, expect, it } from 'vitest';
import { fanOutMs, loadBoundFanOut } from '../../bench/lib/report.ts';
import type { WindowResult } from '../../bench/lib/results.ts';

/** The fields these functions read; the rest of a window does not matter to them. */
function window(fields: Pick<WindowResult, 'bound' | 'perMessage' | 'serverUsPerDelivery' | 'loadUsPerDelivery'>) {
  return fields as WindowResult;
}

describe('CPU per message fan-out in the bench report', () => {
  const light = window({
    bound: 'neither',
    perMessage: 10_000,
    serverUsPerDelivery: { user: 1.5, system: 6.5 },
    loadUsPerDelivery: { user: 6, system: 4 },
  });

  it("is the cost per delivery times the message's deliveries, for each side", () => {
    expect(fanOutMs(light)).toEqual({ hub: 80, load: 100 });
  });

  it('says the load generator bounds p99 at a light load where it is the slower side of a fan-out', () => {
    expect(loadBoundFanOut(light)).toBe(
      "reading one message's fan-out takes the load core ~100 ms of CPU, writing it the hub's ~80 ms: the p99 here is bounded by the load generator",
    );
  });

  it('says nothing when the hub is the slower side, a core is saturated, or the fan-out is small', () => {
    expect(loadBoundFanOut({ ...light, serverUsPerDelivery: { user: 3, system: 8 } })).toBeUndefined();
    expect(loadBoundFanOut({ ...light, bound: 'server' })).toBeUndefined();
    expect(loadBoundFanOut({ ...light, perMessage: 100 })).toBeUndefined();
  });
});
