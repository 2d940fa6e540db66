export type { MarkerCheck, SqliteSync } from './durability.ts';
export * from './sqlite-engine.ts';
