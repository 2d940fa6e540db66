// CPU accounting around a closed-loop measurement (wrk, the WebSocket publisher): the hub's CPU,
// the load side's (live load processes + children reaped meanwhile, i.e. wrk), and the rest of the
// machine, over the measurement's wall time.
import { busySeconds, cpuDelta, cpuTime, machineTicks, reapedChildrenCpu, sumCpu } from './procfs.ts';
import type { CpuShare } from './results.ts';
import { selfCpu, share } from './window.ts';

export interface Measured<T> {
  value: T;
  wallSeconds: number;
  server: CpuShare;
  load: CpuShare;
  othersCores: number;
}

export async function measured<T>(
  hubPid: number,
  loadPids: readonly number[],
  run: () => Promise<T>,
): Promise<Measured<T>> {
  const loadNow = () => sumCpu([...loadPids.map(cpuTime), selfCpu(), reapedChildrenCpu()]);
  const ticksStart = machineTicks();
  const serverStart = cpuTime(hubPid);
  const loadStart = loadNow();
  const wallStart = performance.now();
  const value = await run();
  const wallSeconds = (performance.now() - wallStart) / 1000;
  const server = cpuDelta(serverStart, cpuTime(hubPid));
  const load = cpuDelta(loadStart, loadNow());
  const others = busySeconds(ticksStart, machineTicks()) - (server.user + server.system + load.user + load.system);
  return {
    value,
    wallSeconds,
    server: share(server, wallSeconds),
    load: share(load, wallSeconds),
    othersCores: wallSeconds > 0 ? Math.max(0, others) / wallSeconds : 0,
  };
}
