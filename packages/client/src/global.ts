/**
 * The `<script src="/herald.js">` build: puts the SDK on `window.Herald`, with the WebSocket transport
 * bundled and the others (with the recovery steps over HTTP pull) loaded from `herald-fallbacks.js`
 * the first time a client needs them: most pages never do. A plain object rather than an IIFE
 * `globalName` namespace, which costs a module-interop helper.
 */

import { HeraldClient } from './client.ts';
import { HeraldError } from './errors.ts';
import { scriptLoader } from './on-demand-script.ts';
import type { ConnectOptions } from './options.ts';
import { globalPlatform } from './platform.ts';
import { Subscription } from './subscription.ts';
import { DEFERRED_FALLBACKS } from './transports/deferred.ts';
import { websocket } from './transports/kit.ts';
import { httpBase } from './urls.ts';

/** Connects to a Herald hub at `url` (see the browser entry's `connect`). */
function connect(url: string, options: ConnectOptions = {}): HeraldClient {
  const platform = globalPlatform(options, { websocket, ...DEFERRED_FALLBACKS }, scriptLoader(httpBase(url)));
  return new HeraldClient(url, options, platform);
}

(globalThis as { Herald?: object }).Herald = { connect, HeraldClient, HeraldError, Subscription };
