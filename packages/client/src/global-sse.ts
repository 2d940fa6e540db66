/**
 * The `<script src="/herald-sse.js">` build: the SSE-only entry on `window.Herald`. It bundles all
 * SSE needs (the recovery steps over pull included) and loads nothing more.
 */
import { connect, HeraldClient, HeraldError, Subscription } from './sse-only.ts';

(globalThis as { Herald?: object }).Herald = { connect, HeraldClient, HeraldError, Subscription };
