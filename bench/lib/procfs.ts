// Reads a process's memory and CPU time from /proc, so the orchestrator can measure
// the server (and the load processes) from outside without instrumenting them.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ is 100 on every Linux architecture Node runs on; /proc/<pid>/stat counts in it. */
const TICKS_PER_SECOND = 100;

/** Resident set size in bytes (VmRSS), or undefined when the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

export interface CpuTime {
  /** user-space CPU seconds */
  user: number;
  /** kernel CPU seconds (socket writes land here) */
  system: number;
}

/** CPU time a process has used so far (utime + stime), or zero when it is gone. */
export function cpuTime(pid: number): CpuTime {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
    return { user: Number(fields[11]) / TICKS_PER_SECOND, system: Number(fields[12]) / TICKS_PER_SECOND };
  } catch {
    return { user: 0, system: 0 };
  }
}

/**
 * Write system calls (write, writev, pwrite…) the process has made so far (`syscw` of
 * /proc/<pid>/io), 0 when unreadable. Per delivery, it says how many deliveries each system call
 * carried: what coalescing achieved, independent of how much CPU the machine's other users left the
 * hub. send(2), sendto(2) and sendmsg(2) are not counted (the kernel counts only the vfs write
 * paths): Node and nginx write sockets with write/writev, Bun (uSockets) and Herald's compiled
 * sender (@herald/send-many, {@link sendsUncounted}) with send, so Bun's count is 0.
 */
export function writeCalls(pid: number): number {
  try {
    return Number(/^syscw:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'latin1'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * CPU time of this process's children that have exited and been reaped (cutime + cstime): the way
 * to account a short-lived child such as wrk, whose /proc entry is gone when it is done.
 */
export function reapedChildrenCpu(): CpuTime {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // cutime (16) and cstime (17) are at 13 and 14.
    return { user: Number(fields[13]) / TICKS_PER_SECOND, system: Number(fields[14]) / TICKS_PER_SECOND };
  } catch {
    return { user: 0, system: 0 };
  }
}

export function cpuDelta(before: CpuTime, after: CpuTime): CpuTime {
  return { user: after.user - before.user, system: after.system - before.system };
}

export function sumCpu(times: readonly CpuTime[]): CpuTime {
  return times.reduce((acc, t) => ({ user: acc.user + t.user, system: acc.system + t.system }), { user: 0, system: 0 });
}

export interface MachineTicks {
  total: number;
  steal: number;
  /** all CPUs, not idle and not waiting for I/O */
  busy: number;
}

/** Machine-wide jiffies from /proc/stat, to report how much the hypervisor stole during a run. */
export function machineTicks(): MachineTicks {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest counters are already inside user)
    const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
    return { total, steal: values[7] ?? 0, busy: total - (values[3] ?? 0) - (values[4] ?? 0) };
  } catch {
    return { total: 0, steal: 0, busy: 0 };
  }
}

/** CPU seconds the whole machine was busy between two machineTicks() samples. */
export function busySeconds(before: MachineTicks, after: MachineTicks): number {
  return (after.busy - before.busy) / TICKS_PER_SECOND;
}

/** Steal share (0..1) between two machineTicks() samples. */
export function stealShare(before: MachineTicks, after: MachineTicks): number {
  const total = after.total - before.total;
  return total > 0 ? (after.steal - before.steal) / total : 0;
}

export interface NetCounters {
  /** packets dropped because a CPU's input backlog (net.core.netdev_max_backlog) was full */
  backlogDrops: number;
  /**
   * TCP segments retransmitted. On loopback most are tail-loss probes sent while the peer is
   * too busy to ACK (harmless); only after a real drop does a message wait for the 200 ms RTO.
   */
  retransmits: number;
}

/**
 * Loopback is not lossless: a burst of writes to thousands of sockets can overflow the
 * per-CPU backlog (default 1,000 packets) and the lost packets come back only after a
 * retransmission timeout. Counting both tells a hub's latency from the kernel's.
 */
export function netCounters(): NetCounters {
  let backlogDrops = 0;
  let retransmits = 0;
  try {
    for (const line of readFileSync('/proc/net/softnet_stat', 'latin1').trim().split('\n')) {
      backlogDrops += Number.parseInt(line.split(' ')[1] ?? '0', 16);
    }
    const tcp = readFileSync('/proc/net/snmp', 'latin1')
      .split('\n')
      .filter((l) => l.startsWith('Tcp:'));
    const names = tcp[0]?.split(' ') ?? [];
    const values = tcp[1]?.split(' ') ?? [];
    retransmits = Number(values[names.indexOf('RetransSegs')] ?? 0);
  } catch {
    // not Linux, or /proc not mounted: report zeros
  }
  return { backlogDrops, retransmits };
}

/** Pids of the live processes whose parent is `ppid` (a node:cluster primary's workers). */
export function childPids(ppid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The command line of a live process (arguments joined by spaces), or undefined when it is gone. */
export function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/**
 * Whether the process has loaded Herald's compiled sender (@herald/send-many), whose send(2) calls
 * `syscw` does not count ({@link writeCalls}): its count of writes per delivery is then unknown.
 */
export function sendsUncounted(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/maps`, 'latin1').includes('send_many.node');
  } catch {
    return false;
  }
}
