import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@herald/cli';
import { describe, expect, it } from 'vitest';
import { ROOT } from './build.ts';
import { parseServe, recordingIo } from './io.ts';

// The `bridges` key of the config file, parsed in-process (bridges.test.ts runs them for real).
const dir = mkdtempSync(join(tmpdir(), 'herald-bridges-config-'));
let n = 0;
function configFile(content: unknown): string {
  const path = join(dir, `herald-${++n}.json`);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('the bridges section of the config file', () => {
  it('accepts the example of docs/config.md and fills in the defaults', async () => {
    const docs = readFileSync(join(ROOT, 'docs/config.md'), 'utf8');
    const example = [...docs.matchAll(/```json\n([\s\S]*?)```/g)]
      .map((m) => m[1] ?? '')
      .find((b) => b.includes('"bridges"'));
    const { config, err } = await parseServe(['--config', configFile(JSON.parse(example ?? '{}'))]);
    expect(err).toBe('');
    expect(config?.bridges).toEqual([
      expect.objectContaining({ type: 'mqtt', name: 'telemetry', enabled: true, qos: 1, prefetch: 100 }),
    ]);
  });

  it('is empty without the key', async () => {
    expect((await parseServe([])).config?.bridges).toEqual([]);
  });

  it('names every bad bridge option by its path in the file', async () => {
    const file = configFile({
      bridges: [
        { type: 'kafka', name: 'x', channel: 'c' },
        { type: 'mqtt', name: 'bad name' },
      ],
    });
    const { code, err } = await parseServe(['--config', file]);
    expect(code).toBe(1);
    expect(err).toContain(
      `config error: bridges.0.type: expected type rabbitmq, mqtt, nats, nats-jetstream, redis-streams or postgres-outbox (${file})`,
    );
    expect(err).toContain('config error: bridges.1.name: expected a bridge name of 1-64 letters');
    expect(err).toContain('config error: bridges.1.topics:');
    expect(err).toContain('config error: bridges.1.clientId:');
  });

  it('herald bridge needs --config, and a file with bridges', async () => {
    const missing = recordingIo();
    expect(await runCli(['bridge'], missing.io)).not.toBe(0);
    expect(missing.err.join('')).toContain("required option '--config <file>' not specified");

    const empty = recordingIo();
    const file = configFile({ port: 8080 });
    expect(await runCli(['bridge', '--config', file], empty.io)).toBe(1);
    expect(empty.err.join('')).toBe(`config error: ${file} has no bridges (see docs/bridges.md)\n`);
  });
});
