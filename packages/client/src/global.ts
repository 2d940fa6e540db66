/**
 * The `<script src="/herald.js">` build: puts the browser entry's API on `window.Herald`. A plain
 * object rather than an IIFE `globalName` namespace, which costs a module-interop helper.
 */
import { connect, HeraldClient, HeraldError, Subscription } from './browser.ts';

(globalThis as { Herald?: object }).Herald = { connect, HeraldClient, HeraldError, Subscription };
