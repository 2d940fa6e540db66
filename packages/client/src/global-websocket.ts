/**
 * The `<script src="/herald-ws.js">` build: like global.ts without the deferred fallback transports.
 * It still loads the recovery steps over HTTP pull from `herald-fallbacks.js` when a client needs
 * them (after a slow-consumer cut).
 */
import { HeraldClient } from './client.ts';
import { HeraldError } from './errors.ts';
import { scriptLoader } from './on-demand-script.ts';
import type { ConnectOptions } from './options.ts';
import { globalPlatform } from './platform.ts';
import { Subscription } from './subscription.ts';
import { websocket } from './transports/kit.ts';
import { httpBase } from './urls.ts';

/** Connects to a Herald hub over WebSocket only (see the websocket entry's `connect`). */
function connect(url: string, options: ConnectOptions = {}): HeraldClient {
  return new HeraldClient(url, options, globalPlatform(options, { websocket }, scriptLoader(httpBase(url))));
}

(globalThis as { Herald?: object }).Herald = { connect, HeraldClient, HeraldError, Subscription };
