/** The `<script src="/herald-ws.js">` build: like global.ts, with the WebSocket-only entry. */
import { connect, HeraldClient, HeraldError, Subscription } from './websocket-only.ts';

(globalThis as { Herald?: object }).Herald = { connect, HeraldClient, HeraldError, Subscription };
