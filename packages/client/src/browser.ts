/**
 * Herald client SDK, browser entry (the `browser` export condition): the same API and behaviour as
 * the default entry, with a compact SSE parser instead of `eventsource-parser`, to keep bundles
 * small. The hub's /herald.js is global.ts, which defers the HTTP transports.
 */
import { HeraldClient } from './client.ts';
import { loadBundled } from './on-demand-bundled.ts';
import type { ConnectOptions } from './options.ts';
import { globalPlatform } from './platform.ts';
import { ALL_TRANSPORTS } from './transports/kit.ts';
import { liteSseParser } from './transports/sse-lite.ts';

export * from './api.ts';

/**
 * Connects to a Herald hub at `url` (`https://hub.example.com`). Nothing is sent until the next
 * microtask, so subscriptions made right away share the first connection.
 */
export function connect(url: string, options: ConnectOptions = {}): HeraldClient {
  return new HeraldClient(url, options, globalPlatform(options, ALL_TRANSPORTS, loadBundled, liteSseParser));
}
