export {
  type BridgeConfig,
  type BridgeConfigInput,
  bridgeConfigSchema,
  bridgesConfigSchema,
  type CommonBridgeConfig,
  type ConfigOf,
  parseBridgesConfig,
  type SourceType,
} from './config.ts';
export { flag, ms, nonNegativeInt, positiveInt, text } from './config-common.ts';
export { BRIDGE_DEFAULTS } from './defaults.ts';
export { type Mapped, Mapper, type SourceMessage } from './mapping.ts';
export type { Poison, PoisonReason } from './payload.ts';
export { outboxDdl } from './sources/outbox-sql.ts';
export { startBridges } from './start.ts';
export { KeyPattern, Template } from './template.ts';
export type {
  BridgeDeps,
  BridgeHandle,
  BridgeLogger,
  BridgeMetrics,
  BridgeOutcome,
  BridgePublish,
  BridgeState,
  BridgeStatus,
  Bridges,
} from './types.ts';
