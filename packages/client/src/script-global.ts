import { HeraldClient } from './client.ts';
import { HeraldError } from './errors.ts';
import { scriptLoader } from './on-demand-script.ts';
import type { ConnectOptions } from './options.ts';
import { globalPlatform } from './platform.ts';
import { Subscription } from './subscription.ts';
import type { TransportKit } from './transports/kit.ts';
import { httpBase } from './urls.ts';

/**
 * Puts the SDK on `window.Herald` for a `<script>` build that carries `kit` and loads the rest from
 * `herald-fallbacks.js` when a client needs it (global.ts, global-websocket.ts). A plain object
 * rather than an IIFE `globalName` namespace, which costs a module-interop helper.
 */
export function setGlobalHerald(kit: TransportKit): void {
  const connect = (url: string, options: ConnectOptions = {}): HeraldClient =>
    new HeraldClient(url, options, globalPlatform(options, kit, scriptLoader(httpBase(url))));
  (globalThis as { Herald?: object }).Herald = { connect, HeraldClient, HeraldError, Subscription };
}
