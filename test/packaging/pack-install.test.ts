/**
 * The packages as users get them: builds, `npm pack`s @herald/client, @herald/server and @herald/cli,
 * installs the three tarballs into an empty project outside the repository, and uses them there with
 * plain Node (no TypeScript, no loader, no `herald-source` condition): the SDK connects and receives,
 * createHerald serves on an application's own http.createServer, `npx herald serve` answers /healthz,
 * the CLI loads its lazily imported engines from the tarball, and a TypeScript file type-checks
 * against the shipped .d.ts.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@herald/core/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../cli/build.ts';
import { CLIENT, EMBEDDED_SERVER, TYPES_CONSUMER } from './fixtures.ts';

const run = promisify(execFile);
const KEY = 'pack-test-key';
// send-many: the server's optional compiled sender, not on the registry yet, so it is packed beside them.
const PACKAGES = ['client', 'server', 'cli', 'send-many'];

/**
 * The children's environment: this process's, minus what would make them resolve like the monorepo
 * (NODE_OPTIONS with conditions, npm's per-run settings such as a workspace) instead of like a user.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS' || name.startsWith('npm_') || name.startsWith('VITEST')) continue;
    env[name] = value;
  }
  return env;
}

/** Resolves with the first status `path` answers with, retrying while nothing listens yet (up to `ms`). */
async function statusOf(url: string, ms = 15_000): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return (await fetch(url)).status;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * A process started in its own group, so `npx`'s node child goes down with it (npm -> sh -> node).
 * Its stdin stays open: the embedded server stops when it ends.
 */
function startGroup(command: string, args: string[], cwd: string): ChildProcess {
  const child = spawn(command, args, { cwd, env: userEnv(), detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  return child;
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(-child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Collects a child's output, for the assertion message when it misbehaves. */
function output(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.on('data', (chunk: string) => {
    text += chunk;
  });
  child.stderr?.on('data', (chunk: string) => {
    text += chunk;
  });
  return () => text;
}

describe('packed packages installed into an empty project', { timeout: 60_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'herald-pack-'));
  const project = join(work, 'project');
  const tarballs: Record<string, { filename: string; files: string[] }> = {};
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    await run(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--packages'], { cwd: ROOT, env: userEnv() });
    // --ignore-scripts: packing must not depend on lifecycle scripts (the root `prepare` builds everything).
    const workspaces = PACKAGES.flatMap((p) => ['-w', `packages/${p}`]);
    const packed = await run('npm', ['pack', ...workspaces, '--pack-destination', work, '--ignore-scripts', '--json'], {
      cwd: ROOT,
      env: userEnv(),
    });
    for (const entry of JSON.parse(packed.stdout) as { name: string; filename: string; files: { path: string }[] }[]) {
      tarballs[entry.name] = { filename: entry.filename, files: entry.files.map((f) => f.path) };
    }
    rmSync(project, { recursive: true, force: true });
    writeFileSync(join(work, 'package.json'), '{}'); // stops npm from walking up to another project
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pack-check', private: true, type: 'module' }));
    // --omit=optional: better-sqlite3 (optional, for `serve --data`) compiles from source here in 2-3 minutes.
    const files = Object.values(tarballs).map((t) => join(work, t.filename));
    const flags = ['--prefer-offline', '--no-audit', '--no-fund', '--omit=optional', '--loglevel=error'];
    await run('npm', ['install', ...flags, ...files], { cwd: project, env: userEnv() });
    writeFileSync(join(project, 'server.mjs'), EMBEDDED_SERVER);
    writeFileSync(join(project, 'client.mjs'), CLIENT);
  }, 150_000);

  // Removing the installed node_modules can take a while on a busy machine.
  afterAll(async () => {
    await Promise.all(children.map(stopGroup));
    await rm(work, { recursive: true, force: true });
  }, 60_000);

  test('each tarball holds built JavaScript and .d.ts, and no TypeScript source', () => {
    expect(Object.keys(tarballs).sort()).toEqual([
      '@herald/cli',
      '@herald/client',
      '@herald/send-many',
      '@herald/server',
    ]);
    for (const { files } of Object.values(tarballs)) {
      expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    }
    expect(tarballs['@herald/client']?.files).toEqual(
      expect.arrayContaining(['dist/herald.node.js', 'dist/herald.min.js', 'dist/types/client/node.d.ts']),
    );
    // The one-transport entries: `<script>` builds, ESM builds for `@herald/client/websocket` and `/sse`, and their .d.ts.
    expect(tarballs['@herald/client']?.files).toEqual(
      expect.arrayContaining([
        'dist/herald-ws.min.js',
        'dist/herald-sse.min.js',
        'dist/herald.websocket.js',
        'dist/herald.sse.js',
        'dist/types/client/websocket-only.d.ts',
        'dist/types/client/sse-only.d.ts',
      ]),
    );
    expect(tarballs['@herald/server']?.files).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/types/server/index.d.ts']),
    );
    expect(tarballs['@herald/cli']?.files).toEqual(expect.arrayContaining(['bin/herald.js', 'dist/herald.js']));
    // The addon ships as source and compiles at install; nothing built here goes in the tarball.
    expect(tarballs['@herald/send-many']?.files.sort()).toEqual([
      'binding.gyp',
      'index.cjs',
      'index.d.ts',
      'package.json',
      'src/send_many.c',
    ]);
    // Nothing from the monorepo leaked into the installed project: the private packages are bundled in.
    const lock = readFileSync(join(project, 'package-lock.json'), 'utf8');
    expect(lock).not.toMatch(/"node_modules\/@herald\/(core|protocol|engine-|bridges)/);
  });

  test('createHerald on a plain http.createServer serves the app, a publish and a read; the SDK receives from Node', async () => {
    const server = startGroup(process.execPath, ['server.mjs', KEY], project);
    children.push(server);
    const log = output(server);
    const [line] = (await once(server.stdout as NodeJS.ReadableStream, 'data')) as [string];
    const base = `http://127.0.0.1:${Number.parseInt(line, 10)}`;

    expect(await (await fetch(`${base}/app`)).text()).toBe('the application route\n');
    const published = await fetch(`${base}/v1/channels/news/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { from: 'http' } }),
    });
    expect(published.status, log()).toBe(201);
    const read = await fetch(`${base}/v1/channels/news/messages?after=0`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(read.status).toBe(200);
    expect(JSON.stringify(await read.json())).toContain('"from":"http"');

    const client = await run(process.execPath, ['client.mjs', base, KEY], {
      cwd: project,
      env: userEnv(),
      timeout: 20_000,
    });
    const lines = client.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { data: unknown; transport: string });
    expect(lines.map((l) => l.data)).toEqual([{ from: 'http' }, { from: 'sdk' }]);
    // The first transport the SDK tries from Node: its WebSocket comes from the installed `ws`.
    expect(lines[0]?.transport).toBe('websocket');
    // The installed server writes its sockets' turns with the compiled sender, built by the install.
    expect(readFileSync(`/proc/${server.pid}/maps`, 'utf8')).toContain('send_many.node');
  });

  test('npx herald serve answers /healthz and serves the installed SDK at /herald.js', async () => {
    const port = await freePort();
    const serve = startGroup('npx', ['--no-install', 'herald', 'serve', '--port', String(port)], project);
    children.push(serve);
    const log = output(serve);
    expect(await statusOf(`http://127.0.0.1:${port}/healthz`), log()).toBe(200);
    // The browser SDK of the @herald/client installed beside it, at /herald.js.
    const script = await fetch(`http://127.0.0.1:${port}/herald.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('Herald');
    // And the one-transport builds and the fallbacks /herald.js loads, beside it.
    for (const path of ['/herald-ws.js', '/herald-sse.js', '/herald-fallbacks.js']) {
      const one = await fetch(`http://127.0.0.1:${port}${path}`);
      expect(one.status, path).toBe(200);
      expect(await one.text()).toContain('Herald');
    }
    await stopGroup(serve);
  });

  test('the CLI loads its lazy engine chunks from the tarball: Redis runs, SQLite without its optional driver says so', async () => {
    const port = await freePort();
    const redisUrl = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const bin = join(project, 'node_modules/@herald/cli/bin/herald.js');
    const prefix = `pack-test-${process.pid}`;
    const args = [bin, 'serve', '--port', String(port), '--redis', redisUrl, '--redis-prefix', prefix];
    const redis = startGroup(process.execPath, args, project);
    children.push(redis);
    const log = output(redis);
    expect(await statusOf(`http://127.0.0.1:${port}/readyz`), log()).toBe(200);
    await stopGroup(redis);

    const sqlite = await run(process.execPath, [bin, 'serve', '--port', '0', '--data', join(work, 'data')], {
      cwd: project,
      env: userEnv(),
      timeout: 15_000,
    }).catch((error: { code: number; stderr: string }) => error);
    expect('code' in sqlite && sqlite.code).not.toBe(0);
    expect(sqlite.stderr).toMatch(/better-sqlite3/);
  });

  test('a TypeScript project type-checks against the shipped .d.ts (NodeNext resolution)', async () => {
    writeFileSync(join(project, 'consumer.ts'), TYPES_CONSUMER);
    const tsconfig = {
      compilerOptions: {
        module: 'NodeNext',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
      },
      files: ['consumer.ts'],
    };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = join(ROOT, 'node_modules/.bin/tsc');
    const result = await run(tsc, ['-p', project], { cwd: project, env: userEnv() }).catch(
      (error: { stdout: string }) => error,
    );
    expect(result.stdout).toBe('');
  });
});
