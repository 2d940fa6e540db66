import { HeraldError, type PublishInput } from '@herald/core';
import { expect } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/helpers/server.ts';
import { type Item, type Subscriber, subscribe } from '../../../../test/helpers/subscribers.ts';
import type { BridgeConfigInput } from '../config.ts';
import { startBridges } from '../start.ts';
import type { BridgeHandle, BridgeLogger, BridgePublish, BridgeState, BridgeStatus, Bridges } from '../types.ts';

/** A log line a bridge wrote. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** What the next matching publish does instead of (or after) storing. */
type Fault = 'hang-after-store' | 'hang-before-store' | HeraldError;

interface Rule {
  readonly match: (data: unknown) => boolean;
  readonly fault: Fault;
  times: number;
  reached: () => void;
}

/**
 * A real hub (test server on port 0, the run's engine) and the publish function bridges get: the hub's
 * own, with faults injected on request (a publish that stores then never answers plays a process killed
 * between store and ack). Subscribers are real SSE clients.
 */
export class Harness {
  readonly logs: LogLine[] = [];
  readonly logger: BridgeLogger = {
    debug: (fields, message) => this.logs.push({ level: 'debug', fields: { ...fields }, message }),
    info: (fields, message) => this.logs.push({ level: 'info', fields: { ...fields }, message }),
    warn: (fields, message) => this.logs.push({ level: 'warn', fields: { ...fields }, message }),
    error: (fields, message) => this.logs.push({ level: 'error', fields: { ...fields }, message }),
  };
  /** Every publish call, in order (with its idempotency key). */
  readonly calls: Array<{ channel: string; key: string | undefined; data: unknown }> = [];
  private readonly rules: Rule[] = [];
  private gate: { match: (data: unknown) => boolean; open: Promise<void>; reached: () => void } | undefined;
  private readonly subscribers: Subscriber[] = [];
  private readonly running: Bridges[] = [];
  /** Extra time every publish takes, ms (to keep messages in flight). */
  delayMs = 0;

  private constructor(readonly server: TestServer) {}

  static async start(): Promise<Harness> {
    return new Harness(await startTestServer());
  }

  readonly publish: BridgePublish = async (channel: string, inputs: readonly PublishInput[], key?: string) => {
    const data = inputs[0]?.data;
    this.calls.push({ channel, key, data });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const gate = this.gate;
    if (gate?.match(data) === true) {
      gate.reached();
      await gate.open;
    }
    const rule = this.rules.find((r) => r.times > 0 && r.match(data));
    if (rule !== undefined) {
      rule.times--;
      if (rule.fault instanceof HeraldError) {
        rule.reached();
        throw rule.fault;
      }
      if (rule.fault === 'hang-after-store') await this.server.herald.hub.publish(channel, inputs, key);
      rule.reached();
      return new Promise<never>(() => {});
    }
    return this.server.herald.hub.publish(channel, inputs, key);
  };

  /** The next `times` publishes whose data matches do `fault`; resolves when the first one is reached. */
  inject(match: (data: unknown) => boolean, fault: Fault, times = 1): Promise<void> {
    return new Promise((reached) => {
      this.rules.push({ match, fault, times, reached });
    });
  }

  /**
   * Holds every publish whose data matches until `release()`: the stream is stopped mid-way, with one
   * message in the middle of its publish, for as long as a test needs (to cut a broker connection).
   * `reached` settles when the first held publish arrives.
   */
  hold(match: (data: unknown) => boolean): { reached: Promise<void>; release: () => void } {
    let release: () => void = () => {};
    let reached: () => void = () => {};
    const open = new Promise<void>((r) => {
      release = r;
    });
    const first = new Promise<void>((r) => {
      reached = r;
    });
    this.gate = { match, open, reached };
    return {
      reached: first,
      release: () => {
        this.gate = undefined;
        release();
      },
    };
  }

  /** Starts one bridge on this hub's publish and logger; `closeBridges` closes it. */
  startBridge(config: BridgeConfigInput): Bridges {
    const bridges = startBridges([config], { publish: this.publish, logger: this.logger });
    this.running.push(bridges);
    return bridges;
  }

  /** Closes every bridge started since the last call (after each case). */
  async closeBridges(): Promise<void> {
    await Promise.all(this.running.splice(0).map((b) => b.close()));
  }

  /**
   * A bridge stopped between the store and the ack: message 3's publish stores, then never answers (as
   * if the process died there), the bridge is closed, and a second one is started (`restart` over its
   * config). The subscriber ends with messages 0-9, each once, whatever the source redelivered.
   * `produce` sends messages 0-9 into the source, before the first bridge starts unless `afterStart`.
   * Returns the second bridge's status, whose duplicates and published counts each source asserts.
   */
  async interruptAfterStore(
    source: { readonly channel: string; start(extra?: Partial<BridgeConfigInput>): Bridges },
    produce: () => Promise<void>,
    options: { afterStart?: boolean; restart?: Partial<BridgeConfigInput> } = {},
  ): Promise<BridgeStatus> {
    const sub = await this.subscribe(source.channel);
    if (options.afterStart !== true) await produce();
    const hung = this.inject((d) => (d as { n: number }).n === 3, 'hang-after-store');
    const first = source.start();
    if (options.afterStart === true) {
      await untilState(first.handles[0] as BridgeHandle, 'up');
      await produce();
    }
    await hung;
    await first.close();
    expect(numbers(sub.items.all)).toEqual(range(4));
    const second = source.start(options.restart);
    await received(sub, 10);
    await settleFor();
    expect(numbers(sub.items.all)).toEqual(range(10));
    return second.status()[0] as BridgeStatus;
  }

  /** An SSE subscriber of `channel`, from now on. */
  async subscribe(channel: string): Promise<Subscriber> {
    const sub = await subscribe(this.server, 'sse', channel);
    this.subscribers.push(sub);
    return sub;
  }

  /** Log lines with this message. */
  logged(message: string): LogLine[] {
    return this.logs.filter((l) => l.message === message);
  }

  async close(): Promise<void> {
    await Promise.all(this.subscribers.map((s) => s.close()));
    await this.server.close();
  }
}

/** `{ n }` of every message item, in order. */
export function numbers(items: readonly Item[]): number[] {
  return items.flatMap((i) => (i.type === 'message' ? [(i.data as { n: number }).n] : []));
}

/** 0, 1, ..., count-1. */
export function range(count: number, from = 0): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

/** Waits until the subscriber received `count` messages (more arriving meanwhile are kept); returns them all. */
export async function received(sub: Subscriber, count: number, timeoutMs = 15_000): Promise<Item[]> {
  await sub.items.waitFor(() => sub.items.all.length >= count, timeoutMs, `${count} messages`);
  return sub.items.all;
}

/** Waits until `probe()` holds, checking every 20 ms. */
export async function until(
  probe: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'a condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until `handle` is in `state`. */
export function untilState(handle: BridgeHandle, state: BridgeState, timeoutMs = 10_000): Promise<void> {
  return until(
    () => handle.status().state === state,
    timeoutMs,
    `bridge ${handle.name} ${state} (is ${handle.status().state})`,
  );
}

/** Lets messages that should not come have their chance to (for "nothing more" assertions), ms. */
export function settleFor(ms = 300): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
