// What an application embedding the hub needs besides createHerald: an engine (the in-memory one is
// part of this package; the published bundle includes @herald/core) and the types to write its own.
export {
  type Engine,
  HeraldError,
  MemoryEngine,
  type MemoryEngineOptions,
  type NamespaceSettings,
} from '@herald/core';
export type { Principal } from './auth/authenticator.ts';
export type { JwtOptions } from './auth/jwt.ts';
export { type BridgeReport, BridgeReports, type BridgeSource } from './bridges/bridge-reports.ts';
export { normalizeOrigin } from './http/cors.ts';
export { DEFAULTS, type HeraldOptions } from './options.ts';
export { createHerald, type HeraldInit, type HeraldServer } from './server.ts';
export { ServerStats, TRANSPORTS, type TransportName } from './stats.ts';
