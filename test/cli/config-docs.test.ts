import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONFIG_DEFAULTS,
  CONFIG_ENTRIES,
  CONFIG_FLAG,
  type ConfigLayer,
  configSchema,
  defaultAt,
  type Group,
  jwtSchema,
  namespaceSchema,
  parseLayer,
  resolveServeConfig,
  SETTINGS,
  type Setting,
} from '@herald/cli';
import { describe, expect, it } from 'vitest';
import { ROOT } from './build.ts';

const docs = readFileSync(join(ROOT, 'docs/config.md'), 'utf8');
const where = (path: readonly PropertyKey[]) => path.join('.');

/** Every key path the schema knows, e.g. `jwt.secret`, `namespaces.<name>.presence`. */
function schemaKeys(): string[] {
  const keys = Object.keys(configSchema.shape);
  keys.push(...Object.keys(jwtSchema.shape).map((k) => `jwt.${k}`));
  keys.push(...Object.keys(namespaceSchema.shape).map((k) => `defaultNamespace.${k}`));
  keys.push(...Object.keys(namespaceSchema.shape).map((k) => `namespaces.<name>.${k}`));
  keys.push('pollIntervalMs.min', 'pollIntervalMs.max');
  return keys;
}

/** Every setting's key path (`jwt.secret`), with the default shown in the table (`''` for none). */
function settingDefaults(entries: Readonly<Record<string, Setting | Group>>, under = ''): [string, string][] {
  return Object.entries(entries).flatMap(([key, entry]): [string, string][] => {
    const path = `${under}${key}`;
    if ('entries' in entry) return settingDefaults(entry.entries, `${path}.`);
    const value = entry.default;
    // An object default (`namespaces: {}`) has no short form: its row says it in words.
    if (value === undefined || (typeof value === 'object' && !Array.isArray(value))) return [[path, '']];
    return [[path, Array.isArray(value) ? value.join(',') : String(value)]];
  });
}

/** A small seeded PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A random config using every documented key with values in the documented ranges. */
function randomConfig(rand: () => number): Record<string, unknown> {
  const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)] as T;
  const maybe = (v: () => unknown) => (rand() < 0.6 ? v() : undefined);
  const ns = () => ({
    historySize: maybe(() => int(1, 100_000)),
    historyMaxAgeMs: maybe(() => int(1, 86_400_000)),
    anonymousSubscribe: maybe(() => rand() < 0.5),
    anonymousPublish: maybe(() => rand() < 0.5),
    maxMessageBytes: maybe(() => int(1, 1 << 24)),
    presence: maybe(() => rand() < 0.5),
  });
  const min = int(1, 1000);
  return JSON.parse(
    JSON.stringify({
      host: maybe(() => pick(['127.0.0.1', '0.0.0.0', '::', 'localhost'])),
      port: maybe(() => int(0, 65_535)),
      apiKeys: maybe(() => Array.from({ length: int(0, 3) }, (_, i) => `key-${i}-${int(0, 1e9)}`)),
      data: maybe(() => `/tmp/herald-${int(0, 99)}`),
      logLevel: maybe(() => pick(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
      streamHeartbeatMs: maybe(() => int(1, 60_000)),
      wsPingMs: maybe(() => int(1, 60_000)),
      longPollMaxMs: maybe(() => int(1, 60_000)),
      maxConnectionLifetimeMs: maybe(() => int(0, 86_400_000)),
      maxBodyBytes: maybe(() => int(1, 1 << 26)),
      maxFrameBytes: maybe(() => int(1, 1 << 26)),
      maxBacklogBytes: maybe(() => int(1, 1 << 26)),
      sseRetryMs: maybe(() => int(1, 60_000)),
      pollIntervalMs: maybe(() => ({ min, max: int(min, 60_000) })),
      maxSubscriptionsPerConnection: maybe(() => int(1, 10_000)),
      shutdownTimeoutMs: maybe(() => int(1, 60_000)),
      allowedOrigins: maybe(() => pick([['*'], ['https://a.example'], ['https://a.example', 'http://b.example:8080']])),
      clientBundle: maybe(() => '/tmp/herald.min.js'),
      jwt: maybe(() => ({
        secret: maybe(() => 'x'.repeat(int(32, 64))),
        issuer: maybe(() => 'https://auth.example'),
        audience: maybe(() => 'herald'),
        clockToleranceSec: maybe(() => int(0, 60)),
        jwksFile: maybe(() => '/tmp/jwks.json'),
      })),
      defaultNamespace: maybe(ns),
      namespaces: maybe(() => Object.fromEntries(['chat', 'feed.v2', 'user@x'].map((n) => [n, ns()]))),
    }),
  );
}

describe('config schema and docs/config.md', () => {
  it('accepts the documented example', () => {
    const example = docs.match(/```json\n([\s\S]*?)```/)?.[1];
    expect(example).toBeDefined();
    const layer = parseLayer(JSON.parse(example as string), where);
    const config = resolveServeConfig([layer]);
    expect(config.server.namespaces.chat?.presence).toBe(true);
    expect(config.server.namespaces.public?.maxMessageBytes).toBe(4096);
  });

  it('accepts any config within the documented ranges, and each value arrives', () => {
    const rand = prng(20_251_127);
    for (let i = 0; i < 300; i++) {
      const input = randomConfig(rand);
      const config = resolveServeConfig([parseLayer(input, where)]);
      if (input.port !== undefined) expect(config.port).toBe(input.port);
      if (input.wsPingMs !== undefined) expect(config.server.wsPingMs).toBe(input.wsPingMs);
      const chat = (input.namespaces as Record<string, { historySize?: number }> | undefined)?.chat;
      if (chat?.historySize !== undefined) expect(config.server.namespaces.chat?.history?.size).toBe(chat.historySize);
    }
  });

  it('documents every key of the schema', () => {
    for (const key of schemaKeys()) {
      const documented = docs.includes(`\`${key}\``) || docs.includes(`  ${key.split('.').at(-1)}?:`);
      expect(documented, key).toBe(true);
    }
  });

  it('documents every flag and variable, and every documented variable exists', () => {
    const known = new Set<string>([CONFIG_FLAG.env, 'HERALD_URL', 'HERALD_API_KEY']);
    for (const s of SETTINGS) {
      known.add(s.env);
      // An earlier name still read (with a warning) is documented as such.
      if (s.deprecatedEnv !== undefined) {
        known.add(s.deprecatedEnv);
        expect(docs, s.deprecatedEnv).toContain(`\`${s.deprecatedEnv}\``);
      }
      expect(docs, s.flags).toContain(`\`${s.flags.split(' ')[0]}`);
      expect(docs, s.env).toContain(`\`${s.env}\``);
    }
    for (const name of docs.match(/HERALD_[A-Z_]+/g) ?? []) expect(known.has(name), name).toBe(true);
  });

  it('has a row in the settings table for every setting, starting its default cell with the default', () => {
    // | flag | variable | `file.key` | default | meaning |
    const rows = new Map([...docs.matchAll(/^\|[^|]*\|[^|]*\| `([^`]+)` \| ([^|]*) \|/gm)].map(([, k, d]) => [k, d]));
    for (const [path, shown] of settingDefaults(CONFIG_ENTRIES)) {
      // The namespaces record has one row for the keys of any namespace.
      const cell = rows.get(path === 'namespaces' ? 'namespaces.<name>.*' : path);
      expect(cell, path).toBeDefined();
      if (shown !== '') expect(cell?.startsWith(`\`${shown}\``), `${path}: ${cell}`).toBe(true);
    }
  });

  it('documents the defaults the code uses', () => {
    // Rows of the settings table: | flag | variable | `file.key` | `default` … |
    const rows = [...docs.matchAll(/^\|[^|]*\|[^|]*\| `([\w.]+)` \| `([^`]*)`/gm)];
    expect(rows.length).toBeGreaterThan(20);
    for (const [, key = '', shown] of rows) {
      const value = defaultAt(key.split('.'));
      if (value === undefined) continue;
      expect(Array.isArray(value) ? value.join(',') : String(value), key).toBe(shown);
    }
    // And the defaults object says what resolving nothing gives.
    expect(resolveServeConfig([CONFIG_DEFAULTS as ConfigLayer])).toEqual(resolveServeConfig([]));
  });
});
