import { readFileSync } from 'node:fs';
import type { HeraldOptions } from '@herald/server';
import { describe, expect, it } from 'vitest';
import { serverOptionsOf } from './derive.ts';
import { CONFIG_ENTRIES } from './index.ts';

/**
 * Server options no config key sets, each with the reason; their only description is the doc
 * comment in options.ts.
 */
const NOT_CONFIGURED: Readonly<Partial<Record<keyof HeraldOptions, string>>> = {
  engine: 'built by serve from data, redis or nats',
  logger: 'built by serve from logLevel',
  blobDir: 'derived by serve from data',
  webDir: 'found by serve (web/dist)',
  statsIntervalMs: 'not a CLI setting',
  nodeInternals: 'HERALD_NO_INTERNALS, read by the server itself',
};

/** `key: doc comment text` of each field of `HeraldOptions`, read from its source. */
function heraldOptionDocs(): Map<string, string> {
  const source = readFileSync(new URL('../../../../server/src/options.ts', import.meta.url), 'utf8');
  const body = source.match(/export interface HeraldOptions \{\n([\s\S]*?)\n\}/)?.[1] ?? '';
  const docs = new Map<string, string>();
  for (const [, comment = '', key = ''] of body.matchAll(/\/\*\*([\s\S]*?)\*\/\s*(\w+)\??:/g)) {
    const text = comment
      .split('\n')
      .map((line) => line.replace(/^\s*\*?\s?/, '').trim())
      .join(' ');
    docs.set(key, text.replace(/\s+/g, ' ').trim());
  }
  return docs;
}

describe('settings that feed a server option', () => {
  const docs = heraldOptionDocs();
  const fed = serverOptionsOf(CONFIG_ENTRIES);

  it('reads every field of HeraldOptions from its source', () => {
    expect(docs.size).toBeGreaterThan(30);
    expect(docs.get('engine')).toBe('Where history lives; the CLI picks memory or SQLite.');
  });

  it('each HeraldOptions key has exactly one setting, or a reason it has none, and each setting a real key', () => {
    for (const key of docs.keys()) {
      const count = fed.filter(({ option }) => option.key === key).length;
      expect(count + (key in NOT_CONFIGURED ? 1 : 0), key).toBe(1);
    }
    for (const { path, option } of fed) expect(docs.has(option.key), path).toBe(true);
  });

  it('describes each option with the text of its doc comment in options.ts', () => {
    for (const { path, option } of fed) expect(option.doc, path).toBe(docs.get(option.key));
  });
});
