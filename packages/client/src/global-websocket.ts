/**
 * The `<script src="/herald-ws.js">` build: like global.ts without the deferred fallback transports.
 * It still loads the recovery steps over HTTP pull from `herald-fallbacks.js` when a client needs
 * them (after a slow-consumer cut).
 */
import { setGlobalHerald } from './script-global.ts';
import { websocket } from './transports/kit.ts';

setGlobalHerald({ websocket });
