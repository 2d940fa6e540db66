import { describeError } from '../http.ts';
import type { CliIo } from '../io.ts';
import { DemoPublishError, httpPublisher } from './publishers.ts';
import { DemoSimulator } from './simulator.ts';
import { DEMO_CHANNELS } from './traffic.ts';

/** Arguments of `herald demo`. */
export interface DemoOptions {
  readonly url: string;
  readonly apiKey?: string | undefined;
  /** Seconds to run; undefined = until SIGINT/SIGTERM. */
  readonly duration?: number | undefined;
}

/**
 * `herald demo`: publishes realistic traffic to a running hub (notifications, scores, news, stock
 * quotes, a chat bot, a board bot) until Ctrl-C or `--duration`. Exits 1 at once when the first
 * publish fails (hub unreachable, key missing or wrong); later failures are reported and it goes on,
 * so a hub restart does not end the demo.
 */
export async function demo(options: DemoOptions, io: CliIo): Promise<number> {
  const publish = httpPublisher(options.url, options.apiKey);
  try {
    await publish([{ channel: 'notifications:demo', event: 'notification', data: welcome() }]);
  } catch (error) {
    io.err(`herald demo: cannot publish to ${options.url}: ${describe(error)}\n`);
    return 1;
  }
  const seen = new Set<string>();
  const simulator = new DemoSimulator(publish, {
    onError: (error, stream) => {
      const text = `${stream}: ${describe(error)}`;
      // Each distinct failure once: a hub that is down would otherwise print ten lines a second.
      if (!seen.has(text) && seen.size < 20) {
        seen.add(text);
        io.err(`herald demo: ${text}\n`);
      }
    },
  });
  const started = Date.now();
  simulator.start();
  const until = options.duration === undefined ? 'Ctrl-C stops it' : `for ${options.duration} s (or Ctrl-C)`;
  io.out(`Publishing demo traffic to ${options.url}, ${until}: ${DEMO_CHANNELS.join(', ')}\n`);
  await new Promise<void>((resolve) => {
    const timer = options.duration === undefined ? undefined : setTimeout(() => finish(), options.duration * 1000);
    const stopListening = io.onSignal(() => finish());
    function finish(): void {
      if (timer !== undefined) clearTimeout(timer);
      stopListening();
      resolve();
    }
  });
  await simulator.stop();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  io.out(`Published ${simulator.published + 1} messages in ${seconds} s (${simulator.failed} failed publishes)\n`);
  return 0;
}

function welcome(): Record<string, unknown> {
  return { id: 0, title: 'Demo traffic started', body: 'herald demo is publishing.', level: 'info', time: Date.now() };
}

function describe(error: unknown): string {
  return error instanceof DemoPublishError ? error.message : describeError(error);
}
