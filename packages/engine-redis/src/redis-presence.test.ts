import { presenceContract } from '@herald/core/testing';
import { describe, expect } from 'vitest';
import { RedisEngine } from './redis-engine.ts';
import type { RedisPresence } from './redis-presence.ts';
import { deletePrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from './test-support.ts';

const missing = await requireRedis();

describe.skipIf(missing !== undefined)(`RedisPresence${missing ? ` (skipped: ${missing})` : ''}`, () => {
  presenceContract('redis', () => {
    const prefix = uniquePrefix();
    const engines: RedisEngine[] = [];
    const errors: unknown[] = [];
    return {
      async node(ttlMs) {
        const engine = await RedisEngine.connect({
          url: TEST_REDIS_URL,
          prefix,
          presenceTtlMs: ttlMs,
          onError: (e) => errors.push(e),
        });
        engines.push(engine);
        return engine.createPresence() as RedisPresence;
      },
      async cleanup() {
        for (const engine of engines.splice(0)) await engine.close();
        await deletePrefix(prefix);
        expect(errors).toEqual([]);
      },
    };
  });
});
