/**
 * Herald client SDK, platform-neutral entry: uses the platform's globals (browsers, Deno, Node 22+)
 * or the APIs passed in the options. Node 20 users get `ws` through the package's `node` entry;
 * browsers (the `browser` condition, and /herald.js) get the smaller `browser` entry.
 */
import { HeraldClient } from './client.ts';
import { loadBundled } from './on-demand-bundled.ts';
import type { ConnectOptions } from './options.ts';
import { globalPlatform } from './platform.ts';
import { ALL_TRANSPORTS } from './transports/kit.ts';
import { eventsourceParser } from './transports/sse-parser.ts';

export * from './api.ts';

/**
 * Connects to a Herald hub at `url` (`https://hub.example.com`). Nothing is sent until the next
 * microtask, so subscriptions made right away share the first connection.
 */
export function connect(url: string, options: ConnectOptions = {}): HeraldClient {
  return new HeraldClient(url, options, globalPlatform(options, ALL_TRANSPORTS, loadBundled, eventsourceParser));
}
