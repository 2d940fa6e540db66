// Build step run by `npm ci` (prepare), `npm run build` and `npm start` (prestart): bundles the CLI
// with the @herald/* workspace packages into packages/cli/dist, so `node packages/cli/bin/herald.js`
// and `npx herald` run plain JavaScript. Then builds the SDK bundles, the @herald/server bundle and the
// packages' .d.ts (build-packages.mjs), and the web pages when their scripts exist.
// `--cli` builds the CLI only (the CLI tests use it, so they never rewrite the SDK bundle while
// browser tests serve it); `--packages` builds what the published packages hold (CLI, SDK, server, .d.ts), not the web pages;
// `--no-packages` (npm start) leaves out the server bundle and the .d.ts, which running the hub does not use (3-6 s here).
// It prints its times and bundle sizes when run directly or with `--verbose`, and only errors as an npm hook.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { checkExternals } from './package-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'packages/cli/dist');

/** Workspace packages are TypeScript sources: bundle them. Every other package stays an import of node_modules. */
const externalDependencies = {
  name: 'external-dependencies',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@herald/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** Chunks of earlier builds older than this are deleted (ms): a process started just before may still import them. */
const STALE_CHUNK_MS = 60_000;

async function buildCli() {
  const started = Date.now();
  // Built aside and swapped in, so a `herald` starting meanwhile (another test run, a cluster worker
  // being forked) loads one complete build or the other, never a half-deleted directory.
  const staging = `${outdir}.next-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { herald: 'packages/cli/src/main.ts' },
    outdir: staging,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Splitting keeps the SQLite engine (and its import of the optional better-sqlite3) in a chunk of
    // its own, loaded only by `serve --data`: the in-memory hub runs where better-sqlite3 is not built.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    logLevel: 'warning',
    // Workspace packages resolve to their TypeScript sources (see build-packages.mjs), not their dist.
    conditions: ['herald-source'],
    metafile: true,
    plugins: [externalDependencies],
  });
  try {
    checkExternals(result.metafile, join(root, 'packages/cli'));
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  swapIn(staging);
  console.log(`built packages/cli/dist/herald.js in ${Date.now() - started} ms`);
}

/** Moves a finished build into dist: chunks first (hashed names never clash), the entry last. */
function swapIn(staging) {
  const chunks = join(outdir, 'chunks');
  mkdirSync(chunks, { recursive: true });
  const fresh = new Set(readdirSync(join(staging, 'chunks')));
  for (const name of fresh) renameSync(join(staging, 'chunks', name), join(chunks, name));
  for (const name of ['herald.js.map', 'herald.js']) renameSync(join(staging, name), join(outdir, name));
  rmSync(staging, { recursive: true, force: true });
  for (const name of readdirSync(chunks)) {
    const path = join(chunks, name);
    if (!fresh.has(name) && statSync(path).mtimeMs < Date.now() - STALE_CHUNK_MS) rmSync(path, { force: true });
  }
}

async function buildClient() {
  const script = join(root, 'scripts/build-client.mjs');
  if (!existsSync(script)) return;
  const module = await import(pathToFileURL(script).href);
  if (typeof module.default === 'function') await module.default();
}

// The @herald/server bundle and the .d.ts of the published packages.
async function buildPackages() {
  const module = await import(pathToFileURL(join(root, 'scripts/build-packages.mjs')).href);
  await module.default();
}

// The demo pages and dashboard (web/dist, served by `herald serve`), when their script exists.
async function buildWeb() {
  const script = join(root, 'scripts/build-web.mjs');
  if (!existsSync(script)) return;
  const module = await import(pathToFileURL(script).href);
  await module.default();
}

/**
 * Whether to print the build's diagnostics (times, bundle sizes). Yes when a developer runs the build
 * (`npm run build`, `node scripts/build.mjs`) or asks (`--verbose`); no when npm runs it on the way
 * to something else (`npm ci`, `npm start`, `npm run bench`): a user starting the hub wants the hub's
 * start-up block, not the SDK's gzip size. Errors and esbuild warnings (stderr) always show.
 */
const QUIET_HOOKS = ['prepare', 'prestart', 'prebench'];
const verbose = process.argv.includes('--verbose') || !QUIET_HOOKS.includes(process.env.npm_lifecycle_event ?? '');

/** Runs `step` with console.log silenced unless verbose (the client and web build scripts log too). */
async function quietly(step) {
  if (verbose) return step();
  const log = console.log;
  console.log = () => {};
  try {
    return await step();
  } finally {
    console.log = log;
  }
}

/** Every step the arguments ask for, in order. */
async function buildAll() {
  const only = (flag) => process.argv.includes(flag);
  await buildCli();
  if (!only('--cli')) await buildClient();
  if (!only('--cli') && !only('--no-packages')) await buildPackages();
  if (!only('--cli') && !only('--packages')) await buildWeb();
}

try {
  await quietly(buildAll);
} catch (error) {
  console.error(`build failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
