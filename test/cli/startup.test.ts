import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './build.ts';
import { Cli, killAll } from './processes.ts';

// `serve` prints one start-up block for people on stderr, and nothing but JSON log lines on stdout,
// so a log shipper reading stdout never meets a plain line (docs/config.md shows the block).

const KEY = 'startup-key-0123456789';
const PAGES = existsSync(join(ROOT, 'web/dist/index.html'));
const DOCS = `Docs: ${join(ROOT, 'docs')} (config.md: settings; http-api.md: the HTTP API)`;

beforeAll(ensureBuilt, 60_000);
afterEach(killAll);

/** Starts `serve` at the default log level, waits for the block's last line, stops it, and returns it. */
async function startAndStop(args: readonly string[], last = /^Logs: /): Promise<{ cli: Cli; url: string }> {
  const cli = new Cli(['serve', '--port', '0', '--shutdown-timeout-ms', '1000', ...args]);
  const [, url = ''] = await cli.waitForLine(/^Herald listening on (http:\/\/\S+)$/, 15_000);
  await cli.waitForLine(last, 15_000);
  await cli.waitForLine(/"msg":"listening"/);
  cli.child.kill('SIGTERM');
  expect(await cli.exited).toEqual({ code: 0, signal: null });
  return { cli, url };
}

/** Every stdout line is a JSON log record; returns their messages. */
function jsonMessages(cli: Cli): string[] {
  return cli.lines.map((line) => {
    const record = JSON.parse(line) as { msg?: unknown; level?: unknown };
    expect(typeof record.level, line).toBe('number');
    return String(record.msg);
  });
}

describe('the start-up block (spawned)', () => {
  it('is the only thing on stderr, and stdout holds only JSON log lines', async () => {
    const { cli, url } = await startAndStop(['--api-key', KEY]);
    expect(cli.errLines).toEqual([
      `Herald listening on ${url}`,
      'API key: star… (configured)',
      'History: in memory (lost on restart; --data DIR keeps it)',
      ...(PAGES ? [`Pages: ${url}/ (demos) and ${url}/dashboard (needs the API key)`] : []),
      DOCS,
      'Logs: JSON lines on stdout (--log-level info)',
    ]);
    expect(jsonMessages(cli)).toEqual(['listening', 'shutting down', 'stopped']);
  });

  it('with --demo: the warning, then one block with the demo lines; stdout stays JSON', async () => {
    const { cli, url } = await startAndStop(['--demo']);
    const [warning, ...block] = cli.errLines;
    expect(warning).toMatch(/^WARNING: --demo is on: anyone may publish without credentials/);
    expect(block[0]).toBe(`Herald listening on ${url}`);
    expect(block[1]).toMatch(/^API key: [A-Za-z0-9_-]{24} \(generated for this run; set --api-key or HERALD_API_KEY/);
    expect(block.slice(2, 3)).toEqual(['History: in memory (lost on restart; --data DIR keeps it)']);
    const rest = block.slice(3).map((line) => line.replace(/:.*/, ':'));
    expect(rest).toEqual([...(PAGES ? ['Pages:'] : []), 'Demo:', 'Demo bridge:', 'Docs:', 'Logs:']);
    const messages = jsonMessages(cli);
    expect(messages).toContain('listening');
    expect(messages.at(-1)).toBe('stopped');
  });
});
