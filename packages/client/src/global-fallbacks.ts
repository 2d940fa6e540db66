/**
 * `herald-fallbacks.js`: the code `/herald.js` loads when a client first needs more than its
 * WebSocket (on-demand-script.ts). The build resolves this file's HeraldError to the one `/herald.js`
 * left in the hook (scripts/build-client.mjs), so errors from here are that same class.
 */
import { ON_DEMAND_HOOK, type OnDemandHook } from './on-demand.ts';
import { catchUp, pinPositions, probeChannels, report } from './pull-recovery.ts';
import { longPoll, ndjson, poll, sse } from './transports/kit.ts';
import { liteSseParser } from './transports/sse-lite.ts';

const hook = (globalThis as unknown as Record<symbol, OnDemandHook | undefined>)[ON_DEMAND_HOOK];
if (hook) {
  hook.loaded = {
    pinPositions,
    probeChannels,
    catchUp,
    report,
    kit: { sse, ndjson, 'long-poll': longPoll, poll },
    sseParser: liteSseParser,
  };
}
