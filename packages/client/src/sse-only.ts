/**
 * Herald client SDK with the SSE transport only (`@herald/client/sse`, and the hub's /herald-sse.js):
 * the same API as the browser entry, reading Server-Sent Events through fetch with the compact
 * parser, without the code of the other four transports. There is no fallback to NDJSON or polling.
 */
import { HeraldClient } from './client.ts';
import { loadBundled } from './on-demand-bundled.ts';
import type { ConnectOptions } from './options.ts';
import { globalPlatform } from './platform.ts';
import { sse } from './transports/kit.ts';
import { liteSseParser } from './transports/sse-lite.ts';

export * from './api.ts';

/** Connects to a Herald hub over SSE only (see the default entry's `connect`). */
export function connect(url: string, options: ConnectOptions = {}): HeraldClient {
  return new HeraldClient(url, options, globalPlatform(options, { sse }, loadBundled, liteSseParser));
}
