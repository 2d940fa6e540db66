import { presenceContract } from '@herald/core/testing';
import { describe, expect } from 'vitest';
import { NatsEngine } from './nats-engine.ts';
import type { NatsPresence } from './nats-presence.ts';
import { deletePrefix, requireNats, TEST_NATS_URL, uniquePrefix } from './test-support.ts';

const missing = await requireNats();

describe.skipIf(missing !== undefined)(`NatsPresence${missing ? ` (skipped: ${missing})` : ''}`, () => {
  presenceContract('nats', () => {
    const prefix = uniquePrefix();
    const engines: NatsEngine[] = [];
    const errors: unknown[] = [];
    return {
      async node(ttlMs) {
        const engine = await NatsEngine.connect({
          url: TEST_NATS_URL,
          prefix,
          presenceTtlMs: ttlMs,
          onError: (e) => errors.push(e),
        });
        engines.push(engine);
        return engine.createPresence() as NatsPresence;
      },
      async cleanup() {
        for (const engine of engines.splice(0)) await engine.close();
        await deletePrefix(prefix);
        expect(errors).toEqual([]);
      },
    };
  });
});
