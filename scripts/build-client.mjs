// Builds the client SDK bundles with esbuild:
//   packages/client/dist/herald.esm.js   ESM, platform-neutral entry (bundlers, browsers, Node 22+)
//   packages/client/dist/herald.node.js  ESM, Node entry (`ws` kept external: installed with the package)
//   packages/client/dist/herald.min.js   IIFE, global `Herald`, minified, browser platform (served as /herald.js)
// and prints the gzipped size of the browser file. Usage: node scripts/build-client.mjs
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'packages/client');
const common = { bundle: true, target: 'es2022', legalComments: 'none', logLevel: 'warning' };

await Promise.all([
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
    entryPoints: [join(pkg, 'src/index.ts')],
    outfile: join(pkg, 'dist/herald.min.js'),
    format: 'iife',
    globalName: 'Herald',
    platform: 'browser',
    minify: true,
  }),
]);

const min = readFileSync(join(pkg, 'dist/herald.min.js'));
const gz = gzipSync(min, { level: 9 }).length;
console.log(
  `herald.min.js: ${(min.length / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(2)} KB gzipped (target < 8 KB)`,
);
