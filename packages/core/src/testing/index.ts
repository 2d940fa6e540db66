export * from './blob-store-contract.ts';
export * from './engine-contract.ts';
export * from './engine-faults.ts';
export * from './ports.ts';
export * from './presence-contract.ts';
