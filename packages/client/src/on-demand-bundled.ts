import type { LoadOnDemand, OnDemand } from './on-demand.ts';
import { catchUp, pinPositions, probeChannels, report } from './pull-recovery.ts';

const bundled: OnDemand = { pinPositions, probeChannels, catchUp, report };

/** The on-demand code of the npm entries and `/herald-sse.js`: in the bundle already. */
export const loadBundled: LoadOnDemand = () => Promise.resolve(bundled);
