import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBridgesConfig } from './config.ts';
import { outboxDdl } from './sources/outbox-sql.ts';

const doc = readFileSync(new URL('../../../docs/bridges.md', import.meta.url), 'utf8');
const blocks = (lang: string) =>
  [...doc.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] as string);

describe('docs/bridges.md', () => {
  it('has a config example for every source, and each one is valid', () => {
    // Config examples of bridges (the backend hooks section's examples have no `bridges` key).
    const examples = blocks('json')
      .map((b) => JSON.parse(b) as { bridges?: unknown[] })
      .filter((e): e is { bridges: unknown[] } => e.bridges !== undefined);
    const types = examples.flatMap((e) => parseBridgesConfig(e.bridges).map((b) => b.type));
    expect(new Set(types)).toEqual(
      new Set(['rabbitmq', 'mqtt', 'nats', 'nats-jetstream', 'redis-streams', 'postgres-outbox']),
    );
  });

  it('prints the outbox DDL that outboxDdl() runs', () => {
    expect(blocks('sql')).toContain(`${outboxDdl()}\n`);
  });
});
