import { MemoryEngine } from '@herald/core';
import { createHerald, type HeraldInit, type HeraldServer } from '@herald/server';

/** A hub on a free loopback port with a known API key; close it after the test. */
export interface TestServer {
  readonly url: string;
  readonly apiKey: string;
  readonly herald: HeraldServer;
  close(): Promise<void>;
}

/** Starts a hub (in-memory engine unless one is given) on port 0. */
export async function startTestServer(options: Partial<HeraldInit> = {}): Promise<TestServer> {
  const apiKey = 'test-key';
  const herald = createHerald({
    engine: new MemoryEngine({ sweepIntervalMs: 0 }),
    apiKeys: [apiKey],
    shutdownTimeoutMs: 2_000,
    ...options,
  });
  const url = await herald.listen(0);
  return { url, apiKey, herald, close: () => herald.close() };
}
