// Builds the client SDK bundles with esbuild:
//   packages/client/dist/herald.esm.js   ESM, platform-neutral entry (bundlers, Deno, Node 22+)
//   packages/client/dist/herald.node.js  ESM, Node entry (`ws` kept external: installed with the package)
//   packages/client/dist/herald.min.js   IIFE setting `window.Herald`, minified, browser entry (served as /herald.js)
//   packages/client/dist/herald.browser.js  ESM, browser entry (the package's `browser` export, for bundlers)
// and prints the size of the browser file, raw and gzipped. Usage: node scripts/build-client.mjs
// Files are written to a temporary name and renamed, so a hub serving /herald.js meanwhile (tests run
// in parallel) never reads half a file.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
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

const results = await Promise.all([
  build({
    ...common,
    entryPoints: [join(pkg, 'src/index.ts')],
    outfile: join(pkg, 'dist/herald.esm.js'),
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
  }),
  build({
    ...common,
    entryPoints: [join(pkg, 'src/node.ts')],
    outfile: join(pkg, 'dist/herald.node.js'),
    format: 'esm',
    platform: 'node',
    external: ['ws'],
  }),
  build({
    ...common,
    entryPoints: [join(pkg, 'src/global.ts')],
    outfile: join(pkg, 'dist/herald.min.js'),
    format: 'iife',
    platform: 'browser',
    minify: true,
  }),
  build({
    ...common,
    entryPoints: [join(pkg, 'src/browser.ts')],
    outfile: join(pkg, 'dist/herald.browser.js'),
    format: 'esm',
    platform: 'browser',
  }),
]);
// The package ships these files: what they import must come with an install of it.
for (const result of results) checkExternals(result.metafile, pkg);

mkdirSync(join(pkg, 'dist'), { recursive: true });
for (const file of results.flatMap((r) => r.outputFiles)) {
  const temporary = `${file.path}.${process.pid}.tmp`;
  writeFileSync(temporary, file.contents);
  renameSync(temporary, file.path);
}

const min = results[2].outputFiles[0].contents;
const gz = gzipSync(min, { level: 9 }).length;
console.log(
  `herald.min.js: ${min.length} B (${(min.length / 1024).toFixed(1)} KB), ` +
    `${gz} B (${(gz / 1024).toFixed(2)} KB) gzipped -9 (target < 8 KB)`,
);
