import type { HeraldServer } from '@herald/server';
import type { Logger } from 'pino';
import { uploadDemoVideo } from './demo-video.ts';
import { hubPublisher } from './publishers.ts';
import { DemoSimulator } from './simulator.ts';

/** The demo running inside `herald serve --demo`. */
export interface InProcessDemo {
  /** Where the demo video came from; undefined when this checkout has none. */
  readonly video: string | undefined;
  /** Stops the simulator (before the hub closes). */
  stop(): Promise<void>;
}

/**
 * Starts the simulator against the hub in this process and stores the demo video. A missing or
 * failing video is logged, not fatal: every other page still works.
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
  return { video, stop: () => simulator.stop() };
}
