import { defineConfig } from 'vitest/config';

/** The transport suite runs once per engine; everything else runs on the in-memory engine. */
const TRANSPORT_SUITE = ['test/server/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    globalSetup: ['test/cli/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'memory', include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'sqlite', include: TRANSPORT_SUITE, env: { HERALD_TEST_ENGINE: 'sqlite' } },
      },
      {
        extends: true,
        test: { name: 'redis', include: TRANSPORT_SUITE, env: { HERALD_TEST_ENGINE: 'redis' } },
      },
      {
        extends: true,
        test: { name: 'nats', include: TRANSPORT_SUITE, env: { HERALD_TEST_ENGINE: 'nats' } },
      },
    ],
  },
});
