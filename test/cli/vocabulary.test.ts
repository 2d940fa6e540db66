import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureBuilt } from './build.ts';
import { parseServe } from './io.ts';
import { Cli, killAll, run, serve } from './processes.ts';

// One set of names everywhere: transports are websocket, sse, ndjson, long-poll and poll; the API key
// variable is HERALD_API_KEY for `serve` and the client commands alike. Old names keep working, with
// a warning on stderr.

const VALID = 'valid: websocket, sse, ndjson, long-poll, poll';

beforeAll(ensureBuilt, 60_000);
afterEach(() => {
  killAll();
  vi.unstubAllEnvs();
});

describe('subscribe --transport', () => {
  it('takes the old names with a warning, and refuses unknown ones naming them', async () => {
    const { url } = await serve(['--api-key', 'vocabulary-key-1']);
    const env = { HERALD_URL: url, HERALD_API_KEY: 'vocabulary-key-1' };
    expect((await run(['publish', 'words', '{"n":1}'], env)).code).toBe(0);
    for (const [old, name] of [
      ['ws', 'websocket'],
      ['stream', 'ndjson'],
      ['longpoll', 'long-poll'],
    ]) {
      const sub = new Cli(['subscribe', 'words', '--transport', old as string, '--after', '0', '--count', '1'], env);
      expect(await sub.exited, old).toEqual({ code: 0, signal: null });
      expect(JSON.parse(sub.lines[0] ?? '')).toMatchObject({ channel: 'words', offset: 1, data: { n: 1 } });
      expect(sub.errLines[0]).toBe(
        `warning: transport name '${old}' is deprecated: use '${name}' (it still works for now)`,
      );
    }
    const bad = await run(['subscribe', 'words', '--transport', 'carrier-pigeon'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`unknown transport 'carrier-pigeon'; ${VALID}`);
  });
});

describe('HERALD_API_KEY, one variable for serve and the client commands', () => {
  it('serve reads a comma-separated list from it; publish sends its first key', async () => {
    const { url, keyLine, cli } = await serve([], { HERALD_API_KEY: 'first-key-0123, second-key-0123' });
    expect(keyLine).toBe('firs… (configured, 2 keys)');
    // Only the first key is sent: the whole value, or the second item, would be refused.
    const sent = await run(['publish', 'keys', '1'], { HERALD_URL: url, HERALD_API_KEY: 'second-key-0123,not-a-key' });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).toBe('');
    expect(cli.stderr).not.toContain('deprecated');
  });

  it('HERALD_API_KEYS still works, with a warning, for serve and for publish', async () => {
    const { url, keyLine, cli } = await serve([], { HERALD_API_KEYS: 'old-style-key-0123' });
    expect(keyLine).toBe('old-… (configured)');
    expect(cli.errLines[0]).toBe(
      'warning: HERALD_API_KEYS is deprecated: use HERALD_API_KEY (same format); HERALD_API_KEYS still works for now',
    );
    const sent = await run(['publish', 'keys', '1'], { HERALD_URL: url, HERALD_API_KEYS: 'old-style-key-0123' });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).toBe(
      'warning: HERALD_API_KEYS is deprecated: use HERALD_API_KEY (same format); it still works for now\n',
    );
  });

  it('when both are set, HERALD_API_KEY wins and the old one is reported as ignored', async () => {
    vi.stubEnv('HERALD_API_KEY', 'new-key-0123');
    vi.stubEnv('HERALD_API_KEYS', 'old-key-0123');
    const { config, err } = await parseServe([]);
    expect(config?.apiKeys).toEqual(['new-key-0123']);
    expect(err).toBe('warning: HERALD_API_KEYS is deprecated and ignored: HERALD_API_KEY is set\n');
  });
});
