/**
 * Herald client SDK with the WebSocket transport only (`@herald/client/websocket`, and the hub's
 * /herald-ws.js): the same API as the browser entry, without the code of the other four transports.
 * There is no fallback: where WebSockets cannot run, connect() throws `unsupported`, and a proxy that
 * refuses the upgrade leaves the client retrying.
 */
import { HeraldClient } from './client.ts';
import { loadBundled } from './on-demand-bundled.ts';
import type { ConnectOptions } from './options.ts';
import { globalPlatform } from './platform.ts';
import { websocket } from './transports/kit.ts';

export * from './api.ts';

/** Connects to a Herald hub over WebSocket only (see the default entry's `connect`). */
export function connect(url: string, options: ConnectOptions = {}): HeraldClient {
  return new HeraldClient(url, options, globalPlatform(options, { websocket }, loadBundled));
}
