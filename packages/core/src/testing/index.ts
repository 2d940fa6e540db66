export * from './engine-contract.ts';
