// One memory reading of a hub in scenario C, and what a transport's connections cost between two.
// Every reading has the hub's RSS as it is (the "whole delta" column, as the suite read it before
// session 9); a Node hub started with an inspector is then made to run a full GC and read again
// (the "retained" columns): what the connections keep, without garbage or a young generation grown
// for the burst of connections.
import type { Hub } from './hub.ts';
import { hubRss } from './hub.ts';
import { collectGarbage } from './inspector.ts';
import type { TransportMemory } from './results.ts';

/**
 * V8 hands the pages a GC freed back to the system from a background thread; 300 ms was enough for
 * the RSS to stop moving (a second GC and reading right after changed nothing at 5,000 sockets).
 */
const UNMAP_WAIT_MS = 500;

export interface MemoryReading {
  /** hub RSS, bytes, before any GC of ours */
  rss: number;
  /** after a full GC through the inspector (Node hubs started with one) */
  gc?: { rss: number; heapUsed: number } | undefined;
}

export async function readMemory(hub: Hub): Promise<MemoryReading> {
  const rss = hubRss(hub) ?? 0;
  if (hub.inspector === undefined) return { rss };
  const { heapUsed } = await collectGarbage(hub.inspector);
  await new Promise((r) => setTimeout(r, UNMAP_WAIT_MS));
  return { rss, gc: { rss: hubRss(hub) ?? 0, heapUsed } };
}

export interface TransportReadings {
  before: MemoryReading;
  /** between the two halves (scenario C), with the connections of the first */
  middle: (MemoryReading & { opened: number }) | undefined;
  after: MemoryReading;
  opened: number;
}

/** The RSS and heap figures of TransportMemory from a transport's readings. */
export function memoryDeltas(
  r: TransportReadings,
): Pick<
  TransportMemory,
  | 'rssDeltaBytes'
  | 'kbPerConnection'
  | 'marginalKbPerConnection'
  | 'retainedKbPerConnection'
  | 'retainedMarginalKbPerConnection'
  | 'retainedHeapKbPerConnection'
> {
  const { before, middle, after, opened } = r;
  const kb = (bytes: number, n: number): number | undefined => (n > 0 ? bytes / 1024 / n : undefined);
  const second = opened - (middle?.opened ?? 0);
  const gcBefore = before.gc;
  const gcAfter = after.gc;
  const gcMiddle = middle?.gc;
  return {
    rssDeltaBytes: after.rss - before.rss,
    kbPerConnection: kb(after.rss - before.rss, opened) ?? Number.NaN,
    marginalKbPerConnection: middle === undefined ? undefined : kb(after.rss - middle.rss, second),
    retainedKbPerConnection: gcBefore && gcAfter ? kb(gcAfter.rss - gcBefore.rss, opened) : undefined,
    retainedMarginalKbPerConnection: gcMiddle && gcAfter ? kb(gcAfter.rss - gcMiddle.rss, second) : undefined,
    retainedHeapKbPerConnection: gcBefore && gcAfter ? kb(gcAfter.heapUsed - gcBefore.heapUsed, opened) : undefined,
  };
}
