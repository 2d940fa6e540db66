import {
  CONFIG_DEFAULTS,
  ConfigError,
  type ConfigLayer,
  configSchema,
  layersFromSettings,
  parseLayer,
  resolveServeConfig,
  SETTINGS,
} from '@herald/cli';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Properties of the config parser (packages/cli/src/config): any input either parses or fails with a
// ConfigError naming where; valid values arrive unchanged; flags and variables convert safely.
const RUN = { seed: 20_251_129, numRuns: 500 } as const;
const where = (path: readonly PropertyKey[]) => (path.length === 0 ? '(top level)' : path.map(String).join('.'));
const KEYS = Object.keys(configSchema.shape);

/** Parses, returning the ConfigError instead of throwing it (anything else is a bug and rethrows). */
function tryParse(value: unknown): ConfigLayer | ConfigError {
  try {
    return parseLayer(value, where);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

const ms = fc.integer({ min: 1, max: 86_400_000 });
const limit = fc.integer({ min: 0, max: 1_000_000 });
const origin = fc.oneof(
  fc.constant('*'),
  fc
    .tuple(
      fc.constantFrom('http', 'https'),
      fc.domain(),
      fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
    )
    .map(([s, d, p]) => `${s}://${d}${p === undefined ? '' : `:${p}`}`),
);
/** A config within the documented ranges (a sample of keys, new security keys included). */
const validConfig = fc.record(
  {
    port: fc.integer({ min: 0, max: 65_535 }),
    wsPingMs: ms,
    longPollMaxMs: ms,
    maxBodyBytes: fc.integer({ min: 1, max: 1 << 30 }),
    allowedOrigins: fc.array(origin, { maxLength: 4 }),
    maxConnectionsPerIp: limit,
    maxLongPollsPerIp: limit,
    maxPublishRatePerConnection: limit,
    maxPublishRatePerPrincipal: limit,
    maxWsOpsPerSecond: limit,
    trustedProxies: fc.array(fc.oneof(fc.ipV4(), fc.ipV6()), { maxLength: 3 }),
    headersTimeoutMs: ms,
    requestTimeoutMs: ms,
    maxHistoryBytes: limit,
    maxChannelHistoryBytes: limit,
    maxChannels: limit,
  },
  { requiredKeys: [] },
);

describe('config parsing', () => {
  it('any JSON value parses or fails with a ConfigError, never anything else', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        tryParse(value);
      }),
      RUN,
    );
  });

  it('any object with known keys and arbitrary values parses or names each bad key', () => {
    const entry = fc.tuple(fc.constantFrom(...KEYS), fc.jsonValue({ maxDepth: 2 }));
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), (entries) => {
        const value = Object.fromEntries(entries);
        const result = tryParse(value);
        if (!(result instanceof ConfigError)) return;
        expect(result.message).toMatch(/^config error: /);
        // Each problem names a key that was given (or the top level).
        expect(entries.some(([k]) => result.message.includes(k)) || result.message.includes('(top level)')).toBe(true);
      }),
      RUN,
    );
  });

  it('every value within the documented ranges is accepted and arrives unchanged', () => {
    fc.assert(
      fc.property(validConfig, (input) => {
        const layer = tryParse(input);
        expect(layer).not.toBeInstanceOf(ConfigError);
        const { server, memory, port } = resolveServeConfig([layer as ConfigLayer]);
        if (input.port !== undefined) expect(port).toBe(input.port);
        if (input.maxConnectionsPerIp !== undefined) expect(server.maxConnectionsPerIp).toBe(input.maxConnectionsPerIp);
        if (input.trustedProxies !== undefined) expect(server.trustedProxies).toEqual(input.trustedProxies);
        if (input.headersTimeoutMs !== undefined) expect(server.headersTimeoutMs).toBe(input.headersTimeoutMs);
        if (input.maxChannels !== undefined) expect(memory.maxChannels).toBe(input.maxChannels);
        if (input.allowedOrigins !== undefined) expect(server.allowedOrigins).toEqual(input.allowedOrigins);
      }),
      RUN,
    );
  });

  it('an unknown key is refused by name (a typo never falls back to a default)', () => {
    const unknown = fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !KEYS.includes(k) && k !== '__proto__');
    fc.assert(
      fc.property(unknown, fc.jsonValue({ maxDepth: 1 }), (key, value) => {
        const result = tryParse({ [key]: value });
        expect(result).toBeInstanceOf(ConfigError);
        expect((result as ConfigError).message).toContain('unknown key');
      }),
      RUN,
    );
  });

  it('a negative, fractional or non-numeric limit is refused naming the key', () => {
    const limits = ['maxConnectionsPerIp', 'maxPublishRatePerPrincipal', 'maxChannels', 'headersTimeoutMs'];
    const bad = fc.oneof(
      fc.integer({ max: -1 }),
      fc.double({ noInteger: true, noNaN: true }),
      fc.string(),
      fc.boolean(),
    );
    fc.assert(
      fc.property(fc.constantFrom(...limits), bad, (key, value) => {
        const result = tryParse({ [key]: value });
        expect(result).toBeInstanceOf(ConfigError);
        expect((result as ConfigError).message).toContain(key);
      }),
      RUN,
    );
  });

  it('allowedOrigins refuses anything that is not * or scheme://host[:port]', () => {
    const notOrigin = fc.oneof(
      fc.constantFrom('null', 'https://a.example/path', '*.example.com', 'https://*.example.com', 'example.com', ''),
      fc.webUrl({ withQueryParameters: true }).filter((u) => /\?/.test(u)),
    );
    fc.assert(
      fc.property(notOrigin, (o) => {
        expect(tryParse({ allowedOrigins: [o] })).toBeInstanceOf(ConfigError);
      }),
      { ...RUN, numRuns: 200 },
    );
  });

  it('flags and variables with any text convert to a layer or a ConfigError naming the flag or variable', () => {
    const numeric = SETTINGS.filter((s) => s.kind === 'number');
    fc.assert(
      fc.property(fc.constantFrom(...numeric), fc.string({ maxLength: 12 }), fc.boolean(), (setting, text, env) => {
        try {
          layersFromSettings([{ setting, value: text, source: env ? 'env' : 'cli' }]);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as Error).message).toContain(env ? setting.env : (setting.flags.split(' ')[0] as string));
        }
      }),
      RUN,
    );
  });

  it('resolving the documented defaults gives what resolving nothing gives', () => {
    expect(resolveServeConfig([CONFIG_DEFAULTS as ConfigLayer])).toEqual(resolveServeConfig([]));
  });
});
