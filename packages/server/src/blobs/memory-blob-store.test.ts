import { blobStoreContract } from '@herald/core/testing';
import { MemoryBlobStore } from './memory-blob-store.ts';

blobStoreContract('memory', async () => ({ store: new MemoryBlobStore() }));
