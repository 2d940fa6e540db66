export * from './sqlite-engine.ts';
