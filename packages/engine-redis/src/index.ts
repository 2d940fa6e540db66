export type { RedisEngineOptions } from './options.ts';
export { REDIS_ENGINE_DEFAULTS } from './options.ts';
export { REDIS_BLOB_DEFAULTS, RedisBlobStore, type RedisBlobStoreOptions } from './redis-blob-store.ts';
export { RedisEngine } from './redis-engine.ts';
export { RedisPresence } from './redis-presence.ts';
