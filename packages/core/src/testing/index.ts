export * from './blob-store-contract.ts';
export * from './engine-contract.ts';
