/** The `<script src="/herald-sse.js">` build: like global.ts, with the SSE-only entry. */
import { connect, HeraldClient, HeraldError, Subscription } from './sse-only.ts';

(globalThis as { Herald?: object }).Herald = { connect, HeraldClient, HeraldError, Subscription };
