import type { HeraldServer } from '@herald/server';
import type { Logger } from 'pino';
import { startDemoBridge } from './demo-bridge.ts';
import { uploadDemoVideo } from './demo-video.ts';
import { hubPublisher } from './publishers.ts';
import { DemoSimulator } from './simulator.ts';

/** The demo running inside `herald serve --demo`. */
export interface InProcessDemo {
  /** Where the demo video came from; undefined when this checkout has none. */
  readonly video: string | undefined;
  /** The "Demo bridge:" line: what the MQTT demo bridge feeds, or why it was skipped. */
  readonly bridgeLine: string;
  /** Stops the simulator and the demo bridge (before the hub closes). */
  stop(): Promise<void>;
}

/**
 * Starts the simulator against the hub in this process, stores the demo video and starts the demo
 * bridge when a local MQTT broker is up. A missing or failing video or broker is logged or reported,
 * not fatal: every other page still works.
 */
export async function startInProcessDemo(
  herald: HeraldServer,
  url: string,
  apiKey: string,
  logger: Logger,
): Promise<InProcessDemo> {
  const video = await uploadDemoVideo(url, apiKey).catch((error: unknown) => {
    logger.warn({ err: error }, 'demo video not stored');
    return undefined;
  });
  if (video === undefined) logger.warn('no demo video (web/media/demo-video.webm): the media page has nothing to play');
  let reported = 0;
  const simulator = new DemoSimulator(hubPublisher(herald.hub), {
    onError: (error, stream) => {
      // A handful is enough to diagnose; the same failure every 100 ms would drown the log.
      if (reported++ < 5) logger.warn({ err: error, stream }, 'demo publish failed');
    },
  });
  simulator.start();
  const bridge = await startDemoBridge(herald, logger);
  return {
    video,
    bridgeLine: bridge.line,
    stop: async () => {
      await Promise.all([simulator.stop(), bridge.stop()]);
    },
  };
}
