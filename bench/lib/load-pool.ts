// Orchestrator side of the subscriber load processes: spawns them, spreads connections
// over processes and source addresses, and gathers their counters.
import type { ChildProcess } from 'node:child_process';
import { spawnBenchScript, stopChild, waitExit } from './children.ts';
import type { ConnectedReply, Dialect, StatsReply, SubscriberCommand, SubscriberReply, Transport } from './ipc.ts';
import { nowMs } from './latency.ts';

const SUBSCRIBER_SCRIPT = 'bench/load/subscriber.ts';

/** The n-th source address: 127.0.x.y with y in 2..254 (skips .0/.1/.255 of each /24). */
export function sourceAddress(n: number): string {
  return `127.0.${Math.floor(n / 253)}.${2 + (n % 253)}`;
}

class Worker {
  readonly child: ChildProcess;
  latest = { open: 0, received: 0, p99Ms: 0 };
  private waiters: Array<(reply: SubscriberReply) => boolean> = [];

  constructor(cpus: string | undefined, logFd: number) {
    this.child = spawnBenchScript(SUBSCRIBER_SCRIPT, cpus, logFd);
    this.child.on('message', (reply: SubscriberReply) => {
      if (reply.type === 'progress') this.latest = { open: reply.open, received: reply.received, p99Ms: reply.p99Ms };
      this.waiters = this.waiters.filter((w) => !w(reply));
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  send(cmd: SubscriberCommand): void {
    this.child.send(cmd);
  }

  /** Next reply of a type, bounded by a deadline and by the process staying alive. */
  next<T extends SubscriberReply['type']>(type: T, timeoutMs: number): Promise<Extract<SubscriberReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => {
        clearTimeout(timer);
        reject(new Error(`load process ${this.pid} exited (${code}) while waiting for ${type}`));
      };
      const timer = setTimeout(() => {
        this.child.off('exit', onExit);
        reject(new Error(`load process ${this.pid}: no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.child.once('exit', onExit);
      this.waiters.push((reply) => {
        if (reply.type !== type) return false;
        clearTimeout(timer);
        this.child.off('exit', onExit);
        resolve(reply as Extract<SubscriberReply, { type: T }>);
        return true;
      });
    });
  }
}

export interface ConnectSpec {
  transport: Transport;
  dialect: Dialect;
  /** channel URL; `{i}` = one channel per connection, numbered from firstIndex */
  url: string;
  firstIndex: number;
  count: number;
  connsPerAddress: number;
  concurrency: number;
  pollIntervalMs: number;
}

export interface ConnectResult {
  opened: number;
  failed: number;
  errors: string[];
}

export class LoadPool {
  private readonly workers: Worker[];
  /** next unused source address index: each connection batch gets fresh addresses */
  private addressCursor = 0;

  constructor(processes: number, cpus: string | undefined, logFd: number) {
    this.workers = Array.from({ length: processes }, () => new Worker(cpus, logFd));
  }

  get pids(): number[] {
    return this.workers.map((w) => w.pid);
  }

  /** Opens `count` subscribers of one transport, shared out across the processes. */
  async connect(spec: ConnectSpec): Promise<ConnectResult> {
    const { count, connsPerAddress } = spec;
    const n = this.workers.length;
    // Generous bound: ~100 handshakes/s would already be pathological on loopback.
    const timeoutMs = 30_000 + (count / n) * 10;
    let firstIndex = spec.firstIndex;
    const replies = this.workers.map((worker, i) => {
      const share = Math.floor(count / n) + (i < count % n ? 1 : 0);
      const addresses = Math.max(1, Math.ceil(share / connsPerAddress));
      const localAddresses = Array.from({ length: addresses }, (_, k) => sourceAddress(this.addressCursor + k));
      this.addressCursor += addresses;
      const pending = worker.next('connected', timeoutMs);
      worker.send({
        type: 'connect',
        transport: spec.transport,
        dialect: spec.dialect,
        url: spec.url,
        firstIndex,
        count: share,
        localAddresses,
        concurrency: spec.concurrency,
        timeoutMs: 10_000,
        pollIntervalMs: spec.pollIntervalMs,
      });
      firstIndex += share;
      return pending;
    });
    const results: ConnectedReply[] = await Promise.all(replies);
    return {
      opened: results.reduce((a, r) => a + r.opened, 0),
      failed: results.reduce((a, r) => a + r.failed, 0),
      errors: [...new Set(results.flatMap((r) => r.errors))],
    };
  }

  /** Live totals from the last progress reports (every 500 ms). */
  progress(): { open: number; received: number; p99Ms: number } {
    return this.workers.reduce(
      (acc, w) => ({
        open: acc.open + w.latest.open,
        received: acc.received + w.latest.received,
        p99Ms: Math.max(acc.p99Ms, w.latest.p99Ms),
      }),
      { open: 0, received: 0, p99Ms: 0 },
    );
  }

  /** Ends the current window in every process and returns its counters; the next one starts now. */
  async collect(): Promise<StatsReply[]> {
    const since = nowMs();
    const replies = this.workers.map((w) => {
      const pending = w.next('stats', 15_000);
      w.send({ type: 'collect', since });
      return pending;
    });
    const stats = await Promise.all(replies);
    for (const w of this.workers) w.latest = { ...w.latest, received: 0 };
    return stats;
  }

  async close(): Promise<void> {
    for (const w of this.workers) if (w.child.connected) w.send({ type: 'close' });
    // They leave by themselves once their sockets are closed; signals only for stragglers.
    await Promise.all(this.workers.map((w) => waitExit(w.child, 2000).then(() => stopChild(w.child))));
  }
}
