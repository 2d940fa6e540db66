import { createHerald, type HeraldInit, type HeraldServer } from '@herald/server';
import { openTestEngine } from './engines.ts';

/** A hub on a free loopback port with a known API key; close it after the test. */
export interface TestServer {
  readonly url: string;
  readonly apiKey: string;
  readonly herald: HeraldServer;
  close(): Promise<void>;
}

/**
 * Starts a hub on port 0, on the engine given, else on the engine of this test run
 * (HERALD_TEST_ENGINE: memory by default, sqlite or redis in the suite's other projects).
 */
export async function startTestServer(options: Partial<HeraldInit> = {}): Promise<TestServer> {
  const apiKey = 'test-key';
  const storage = options.engine === undefined ? await openTestEngine() : undefined;
  const herald = createHerald({
    apiKeys: [apiKey],
    shutdownTimeoutMs: 2_000,
    ...options,
    engine: options.engine ?? (storage?.engine as HeraldInit['engine']),
  });
  const url = await herald.listen(0);
  return {
    url,
    apiKey,
    herald,
    close: async () => {
      await herald.close();
      await storage?.cleanup();
    },
  };
}
