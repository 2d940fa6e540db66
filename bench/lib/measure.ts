// CPU accounting around a closed-loop measurement (wrk, the WebSocket publisher): the hub's CPU
// (every process of it), the load side's (live load processes + children reaped meanwhile, i.e. wrk),
// the Redis a hub runs on, and the rest of the machine, over the measurement's wall time.
import { type Hub, hubCpu } from './hub.ts';
import { busySeconds, type CpuTime, cpuDelta, cpuTime, machineTicks, reapedChildrenCpu, sumCpu } from './procfs.ts';
import type { CpuShare } from './results.ts';
import { selfCpu, share, storeCpu } from './window.ts';

export interface Measured<T> {
  value: T;
  wallSeconds: number;
  server: CpuShare;
  load: CpuShare;
  /** Shared-engine peers: the engine server's CPU at both ends (turned into per-message figures by engineCpu) */
  engine: { start: CpuTime; end: CpuTime } | undefined;
  othersCores: number;
}

export async function measured<T>(hub: Hub, loadPids: readonly number[], run: () => Promise<T>): Promise<Measured<T>> {
  const loadNow = () => sumCpu([...loadPids.map(cpuTime), selfCpu(), reapedChildrenCpu()]);
  const ticksStart = machineTicks();
  const serverStart = hubCpu(hub);
  const engineStart = storeCpu(hub);
  const loadStart = loadNow();
  const wallStart = performance.now();
  const value = await run();
  const wallSeconds = (performance.now() - wallStart) / 1000;
  const server = cpuDelta(serverStart, hubCpu(hub));
  const load = cpuDelta(loadStart, loadNow());
  const engineEnd = storeCpu(hub);
  const engine = cpuDelta(engineStart, engineEnd);
  const others =
    busySeconds(ticksStart, machineTicks()) -
    (server.user + server.system + load.user + load.system + engine.user + engine.system);
  return {
    value,
    wallSeconds,
    server: share(server, wallSeconds),
    load: share(load, wallSeconds),
    engine: hub.store?.pid === undefined ? undefined : { start: engineStart, end: engineEnd },
    othersCores: wallSeconds > 0 ? Math.max(0, others) / wallSeconds : 0,
  };
}
