import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/build.ts';
import { killAll, type Served, serve } from '../cli/processes.ts';

// `--demo` (docs/config.md) opens whole namespaces to anonymous publishing. Whatever turns it on
// (flag, variable, config file) says so loudly at start; nothing else opens them.
const WARNING = /^WARNING: --demo is on: anyone may publish without credentials .* not for production\.$/m;
const dirs: string[] = [];

beforeAll(ensureBuilt, 60_000);
afterEach(killAll);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function anonymousPublish(hub: Served): Promise<number> {
  const res = await fetch(`${hub.url}/v1/channels/chat:lobby/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"data":{"text":"hi"}}',
  });
  return res.status;
}

async function stop(hub: Served): Promise<void> {
  hub.cli.child.kill('SIGTERM');
  await hub.cli.exited;
}

describe('herald serve --demo', () => {
  it.each([
    ['the flag', ['--demo'], {}],
    ['the variable', [], { HERALD_DEMO: 'on' }],
  ] as const)('turned on by %s: warns on stderr that it is not for production', async (_how, args, env) => {
    const hub = await serve(args, env);
    await hub.cli.waitForLine(/^Demo: /);
    expect(hub.cli.stderr).toMatch(WARNING);
    expect(await anonymousPublish(hub)).toBe(201);
    await stop(hub);
  });

  it('turned on by a config file: warns too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-demo-config-'));
    dirs.push(dir);
    const file = join(dir, 'herald.json');
    writeFileSync(file, JSON.stringify({ demo: true }));
    const hub = await serve(['--config', file]);
    expect(hub.cli.stderr).toMatch(WARNING);
    await stop(hub);
  });

  it('off by default and with --demo false: no warning, and the demo namespaces stay closed (401)', async () => {
    for (const args of [[], ['--demo', 'false']]) {
      const hub = await serve(args);
      expect(await anonymousPublish(hub)).toBe(401);
      expect(hub.cli.stderr).not.toMatch(/WARNING/);
      expect(hub.cli.errLines.some((l) => l.startsWith('Demo:'))).toBe(false);
      await stop(hub);
    }
  });
});
