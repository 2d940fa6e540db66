export type { Principal } from './auth.ts';
export { DEFAULTS, type HeraldOptions } from './options.ts';
export { createHerald, type HeraldInit, type HeraldServer } from './server.ts';
export { ServerStats, TRANSPORTS, type TransportName } from './stats.ts';
