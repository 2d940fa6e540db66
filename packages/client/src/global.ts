/**
 * The `<script src="/herald.js">` build: the WebSocket transport bundled, the others (with the
 * recovery steps over HTTP pull) loaded from `herald-fallbacks.js` the first time a client needs
 * them: most pages never do.
 */
import { setGlobalHerald } from './script-global.ts';
import { DEFERRED_FALLBACKS } from './transports/deferred.ts';
import { websocket } from './transports/kit.ts';

setGlobalHerald({ websocket, ...DEFERRED_FALLBACKS });
