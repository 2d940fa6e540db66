import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHAT_LINES } from '@herald/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './build.ts';
import { killAll, type Served, serve } from './processes.ts';

// Every `herald publish` command the README, docs/web.md, the demo pages and the demo's chat bot show
// a newcomer runs as written against `npm start` (herald serve --demo): the hub here is one started
// with --demo, reached through HERALD_URL, with the key it printed in KEY (as the README says).

const KEY = 'doc-commands-key-0123456789';

/** Where commands are shown, and the commands each shows. */
function shownCommands(): Array<{ source: string; command: string }> {
  const found: Array<{ source: string; command: string }> = [];
  for (const file of ['README.md', 'docs/web.md', 'docs/client.md', 'docs/http-api.md']) {
    for (const command of markdownCommands(readFileSync(join(ROOT, file), 'utf8')))
      found.push({ source: file, command });
  }
  const pages = join(ROOT, 'web/src/pages');
  for (const file of readdirSync(pages).filter((f) => f.endsWith('.html'))) {
    for (const command of htmlCommands(readFileSync(join(pages, file), 'utf8'))) {
      found.push({ source: `web/src/pages/${file}`, command });
    }
  }
  for (const line of CHAT_LINES) {
    const command = /(?:npx )?herald publish .*$/.exec(line)?.[0];
    if (command !== undefined) found.push({ source: 'the chat bot', command });
  }
  return found;
}

/** `herald publish` lines of the fenced shell blocks, without their trailing `# comment`. */
function markdownCommands(text: string): string[] {
  const blocks = text.matchAll(/^```(?:sh|bash|shell|console)?\n([\s\S]*?)^```$/gm);
  return [...blocks]
    .flatMap((block) => (block[1] ?? '').split('\n'))
    .map((line) =>
      line
        .replace(/^\$ /, '')
        .replace(/\s+#\s.*$/, '')
        .trim(),
    )
    .filter((line) => /^(?:npx )?herald publish /.test(line));
}

/** `herald publish` commands shown in `<code>` elements, with HTML entities decoded. */
function htmlCommands(html: string): string[] {
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" };
  return [...html.matchAll(/<code[^>]*>((?:npx )?herald publish [^<]*)<\/code>/g)].map((m) =>
    (m[1] ?? '').replace(/&(amp|lt|gt|quot|#39|apos);/g, (_, e: string) => entities[e] ?? '').replace(/\s+/g, ' '),
  );
}

/** Runs `command` with sh in the repository, as a reader would paste it. */
function shell(command: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HERALD_') && k !== 'NODE_OPTIONS') clean[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd: ROOT,
      env: { ...clean, npm_config_update_notifier: 'false', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

const commands = shownCommands();
let hub: Served;

beforeAll(async () => {
  await ensureBuilt();
  hub = await serve(['--demo', '--api-key', KEY]);
}, 60_000);
afterAll(killAll);

describe('commands shown to users', () => {
  it('are found where they are shown (the extraction itself works)', () => {
    const sources = new Set(commands.map((c) => c.source));
    for (const source of [
      'README.md',
      'web/src/pages/notifications.html',
      'web/src/pages/ticker.html',
      'web/src/pages/index.html',
      'the chat bot',
    ]) {
      expect(sources, source).toContain(source);
    }
    // The old, broken syntax is gone everywhere.
    for (const { source, command } of commands) expect(command, source).not.toMatch(/\s-d\s/);
  });

  it.each(commands)(
    '$source: $command',
    async ({ command }) => {
      const { code, out } = await shell(command, { HERALD_URL: hub.url, KEY });
      expect(code, out).toBe(0);
      const answer = JSON.parse(out.slice(out.indexOf('{'))) as { channel: string; offset: number };
      expect(answer.offset).toBeGreaterThanOrEqual(1);
      expect(command).toContain(answer.channel);
    },
    20_000,
  );
});
