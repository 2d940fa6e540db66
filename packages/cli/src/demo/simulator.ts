import { type DemoMessage, type DemoStream, demoStreams } from './traffic.ts';

/** Publishes a tick's messages (over HTTP, or straight into an in-process hub). */
export type DemoPublish = (messages: readonly DemoMessage[]) => Promise<void>;

/** Options of {@link DemoSimulator}. */
export interface DemoSimulatorOptions {
  /** The streams to run (default: every demo stream). */
  readonly streams?: readonly DemoStream[];
  /** Randomness, injectable for tests (default Math.random). */
  readonly random?: () => number;
  /** Called when a publish fails; the simulator keeps going (the hub may come back). */
  readonly onError?: (error: unknown, stream: string) => void;
}

/**
 * Runs the demo streams, each on its own timer. Bounded: a stream whose previous publish has not
 * finished skips its tick instead of queueing, so a slow or absent hub never builds a backlog here.
 */
export class DemoSimulator {
  /** Messages published so far. */
  published = 0;
  /** Publishes that failed so far. */
  failed = 0;
  private readonly streams: readonly DemoStream[];
  private readonly random: () => number;
  private readonly timers = new Map<DemoStream, NodeJS.Timeout>();
  private readonly inFlight = new Map<DemoStream, Promise<void>>();
  private running = false;

  constructor(
    private readonly publish: DemoPublish,
    private readonly options: DemoSimulatorOptions = {},
  ) {
    this.streams = options.streams ?? demoStreams();
    this.random = options.random ?? Math.random;
  }

  /** Starts every stream (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const stream of this.streams) this.schedule(stream);
  }

  /** Stops the timers and waits for publishes in flight. */
  async stop(): Promise<void> {
    this.running = false;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.inFlight.values());
  }

  private schedule(stream: DemoStream): void {
    if (!this.running) return;
    const timer = setTimeout(() => {
      this.timers.delete(stream);
      if (!this.inFlight.has(stream)) this.run(stream);
      this.schedule(stream);
    }, stream.nextDelayMs(this.random));
    this.timers.set(stream, timer);
  }

  private run(stream: DemoStream): void {
    const messages = stream.tick(this.random, Date.now());
    if (messages.length === 0) return;
    const done = this.publish(messages).then(
      () => {
        this.published += messages.length;
      },
      (error: unknown) => {
        this.failed += 1;
        this.options.onError?.(error, stream.name);
      },
    );
    const tracked = done.finally(() => this.inFlight.delete(stream));
    this.inFlight.set(stream, tracked);
  }
}
