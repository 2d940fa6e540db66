// Builds the client SDK bundles with esbuild (terser minifies the `<script>` builds once more):
//   packages/client/dist/herald.esm.js   ESM, platform-neutral entry (bundlers, Deno, Node 22+)
//   packages/client/dist/herald.node.js  ESM, Node entry (`ws` kept external: installed with the package)
//   packages/client/dist/herald.min.js   IIFE setting `window.Herald`, minified, browser entry (served as /herald.js)
//   packages/client/dist/herald.browser.js  ESM, browser entry (the package's `browser` export, for bundlers)
//   packages/client/dist/herald-ws.min.js, herald-sse.min.js  IIFE like herald.min.js with one transport
//                                        (served as /herald-ws.js and /herald-sse.js)
//   packages/client/dist/herald.websocket.js, herald.sse.js  ESM, the same one-transport entries
//                                        (`@herald/client/websocket`, `@herald/client/sse`)
// and prints the size of the three minified files, raw and gzipped. Usage: node scripts/build-client.mjs
// Files are written to a temporary name and renamed, so a hub serving /herald.js meanwhile (tests run
// in parallel) never reads half a file. `buildScript` is exported for the bundle-size test and the
// bundle report.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { minify } from 'terser';
import { checkExternals } from './package-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'packages/client');
const common = {
  bundle: true,
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
  metafile: true,
  // Workspace packages resolve to their TypeScript sources (see build-packages.mjs).
  conditions: ['herald-source'],
};

/** The minified `<script>` builds (window.Herald), served by the hub: [source entry, output file]. */
export const SCRIPTS = [
  ['src/global.ts', 'herald.min.js'],
  ['src/global-websocket.ts', 'herald-ws.min.js'],
  ['src/global-sse.ts', 'herald-sse.min.js'],
  ['src/global-fallbacks.ts', 'herald-fallbacks.min.js'],
];

/**
 * A digest of the SDK's sources (client and protocol), which the `<script>` builds carry as
 * HERALD_BUILD: herald.min.js finds herald-fallbacks.min.js's code under a key made from it, so a
 * page holding an older herald.min.js never runs a newer fallbacks file (src/on-demand.ts).
 */
export function sourceDigest() {
  const hash = createHash('sha256');
  for (const dir of [join(pkg, 'src'), join(root, 'packages/protocol/src')]) {
    const files = readdirSync(dir, { recursive: true })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .sort();
    for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(dir, file)));
  }
  return hash.digest('hex').slice(0, 8);
}
const digest = sourceDigest();

/**
 * herald-fallbacks.min.js runs only as loaded by herald.min.js, and its errors must be the HeraldError
 * class of that script (`instanceof`, in the SDK and in the page): this plugin replaces the SDK's
 * errors module there by the class herald.min.js leaves in the hook (src/on-demand.ts).
 */
const sharedErrors = {
  name: 'shared-errors',
  setup(b) {
    const errors = join(pkg, 'src/errors.ts');
    b.onResolve({ filter: /\/errors\.ts$/ }, (args) =>
      resolve(args.resolveDir, args.path) === errors ? { path: 'shared-errors', namespace: 'herald' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'herald' }, () => ({
      contents: `const hook = globalThis[Symbol.for('herald.onDemand.${digest}')];
        if (!hook) throw new Error('herald-fallbacks.js is loaded by /herald.js, not on its own');
        export const HeraldError = hook.HeraldError;`,
      loader: 'js',
    }));
  },
};

/**
 * Property names of the SDK's internal interfaces (transport sink and context, connection, platform,
 * host, recovery, token source, policy, selector, position, timers), which the `<script>` builds
 * shorten like local names: 190-250 B gzipped off each build (2026-12-02). Only names that never
 * leave the bundle belong here: not a public member of HeraldClient or Subscription (presence.ts,
 * bundled by pages, reads Subscription's fields), not an option, not a field the SDK reads from or
 * sends to the hub, not a property of a built-in. esbuild renames every `.name` and `name:` of these
 * alike, so a name also read from outside (a user's options, JSON from the hub) would silently break;
 * test/client/bundle-size.test.ts checks the list against those sources, and test/browser runs the
 * builds against a real hub.
 */
export const INTERNAL_PROPS = [
  ...['opened', 'alive', 'frame', 'denied', 'failed', 'feeder', 'live'], // Sink, SSE feeder, Reconnector
  ...['phase', 'watched', 'timings', 'platform', 'positions', 'pollMin', 'pollMax'], // Connection, TransportContext
  ...['openWebSocket', 'sseParser', 'frames'], // Platform, parsePullBody's answer
  ...['subscriptions', 'tokens', 'multiplexed', 'catchUp', 'stale'], // Host, recovery ('host' is URL's)
  ...['keepFresh', 'refreshable', 'refresh', 'added', 'removed'], // TokenSource, Reconnector
  ...['canReauth', 'anonymous', 'lifetimeMs', 'attempts', 'degraded', 'wrapped'], // policy, selector
  ...['current', 'upgrade', 'channels'], // selector, multiAfter's answer
  ...['untouched', 'known', 'pin', 'clearAll', 'answer', 'timer'], // ChannelPosition, Timers, WebSocket requests
  ...['http', 'selector', 'auth', 'start'], // Reconnector, policy, Connection, positions
  ...['changed', 'tag', 'visibility', 'online'], // nextState's answer, poll's ETag, environment ('fatal' is TextDecoder's)
  ...['onDemand', 'pinPositions', 'probeChannels', 'report', 'loaded', 'loading', 'kit'], // Platform, OnDemand, its hook
];

/** esbuild options of a `<script>` build. */
export function scriptBuild(entry, file) {
  return {
    ...common,
    entryPoints: [join(pkg, entry)],
    outfile: join(pkg, 'dist', file),
    format: 'iife',
    platform: 'browser',
    minify: true,
    mangleProps: new RegExp(`^(${INTERNAL_PROPS.join('|')})$`),
    define: { HERALD_BUILD: JSON.stringify(digest) },
    ...(file === 'herald-fallbacks.min.js' && { plugins: [sharedErrors] }),
  };
}

/**
 * Builds one `<script>` bundle as the hub serves it: esbuild's bundle (which shortens the internal
 * property names), minified once more as one file by terser. The second pass renames the bindings
 * over the whole file (esbuild named each module's apart) and terser's compressor folds more than
 * esbuild's: 390-400 B gzipped off /herald.js against esbuild minifying again (2026-12-02). Two
 * of terser's defaults are turned down, measured 20-25 B gzipped smaller per build that way:
 * functions are inlined only when they are simple, and statements are not joined into comma
 * sequences; one compress pass gzips smaller than two or three. Returns the bytes and the metafile.
 */
export async function buildScript(entry, file) {
  const options = scriptBuild(entry, file);
  if (file !== 'herald.min.js') {
    // herald-fallbacks.min.js serves herald.min.js and herald-ws.min.js, and objects cross between
    // them (transport context, sink, connection, platform): every script takes its shortened property
    // names from herald.min.js's build.
    const main = await build({ ...scriptBuild(...SCRIPTS[0]), mangleCache: {} });
    options.mangleCache = main.mangleCache;
  }
  const result = await build(options);
  const [output] = result.outputFiles;
  const { code } = await minify(output.text, {
    ecma: 2022,
    // Not pure_getters (15 B less): terser would then move a getter's read past a change of the
    // state the getter reads (the selector's `current` read before and after it moves on).
    compress: { inline: 1, sequences: false },
    format: { comments: false },
  });
  return { path: output.path, contents: Buffer.from(code), metafile: result.metafile };
}

/** Size as the build reports it: gzip level 9. */
export function gzipSize(contents) {
  return gzipSync(contents, { level: 9 }).length;
}

/** Builds every bundle and writes them to dist. */
export default async function buildClient() {
  const esm = (entry, file, platform, extra = {}) =>
    build({
      ...common,
      entryPoints: [join(pkg, entry)],
      outfile: join(pkg, 'dist', file),
      format: 'esm',
      platform,
      ...extra,
    });
  const results = await Promise.all([
    esm('src/index.ts', 'herald.esm.js', 'neutral', { mainFields: ['module', 'main'] }),
    esm('src/node.ts', 'herald.node.js', 'node', { external: ['ws'] }),
    esm('src/browser.ts', 'herald.browser.js', 'browser'),
    esm('src/websocket-only.ts', 'herald.websocket.js', 'browser'),
    esm('src/sse-only.ts', 'herald.sse.js', 'browser'),
  ]);
  const scripts = await Promise.all(SCRIPTS.map(([entry, file]) => buildScript(entry, file)));
  // The package ships these files: what they import must come with an install of it.
  for (const result of [...results, ...scripts]) checkExternals(result.metafile, pkg);

  mkdirSync(join(pkg, 'dist'), { recursive: true });
  for (const file of [...results.flatMap((r) => r.outputFiles), ...scripts]) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }

  for (const [i, [, file]] of SCRIPTS.entries()) {
    const min = scripts[i].contents;
    const gz = gzipSize(min);
    const target = file === 'herald.min.js' ? ' (target <= 8 KB)' : '';
    console.log(
      `${file}: ${min.length} B (${(min.length / 1024).toFixed(1)} KB), ` +
        `${gz} B (${(gz / 1024).toFixed(2)} KB) gzipped -9${target}`,
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await buildClient();
