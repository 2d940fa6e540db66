import { defineConfig } from 'vitest/config';

/**
 * Workspace packages export their TypeScript sources under the `herald-source` condition and their
 * built dist to everyone else (scripts/build-packages.mjs): tests run the sources, with no build.
 * Setting conditions replaces Vite's defaults, so those follow (vite's `defaultServerConditions` and
 * `defaultClientConditions`, spelled out: vite itself is not a declared dependency).
 */
const server = ['herald-source', 'module', 'node', 'development|production'];
const client = ['herald-source', 'module', 'browser', 'development|production'];

/** The transport suite runs once per engine and once without internals; everything else runs on the in-memory engine. */
const TRANSPORT_SUITE = ['test/server/**/*.test.ts'];

export default defineConfig({
  resolve: { conditions: client },
  ssr: { resolve: { conditions: server } },
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
        // The same suite with Node and ws internals off (packages/server/src/internals/switch.ts):
        // the plain node:http and ws paths stay tested, and a Node upgrade that breaks an internal shows.
        extends: true,
        test: { name: 'no-internals', include: TRANSPORT_SUITE, env: { HERALD_NO_INTERNALS: '1' } },
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
