export { NATS_BLOB_DEFAULTS, NatsBlobStore, type NatsBlobStoreOptions } from './nats-blob-store.ts';
export { NatsEngine } from './nats-engine.ts';
export { NatsPresence } from './nats-presence.ts';
export type { NatsEngineOptions } from './options.ts';
export { NATS_ENGINE_DEFAULTS } from './options.ts';
