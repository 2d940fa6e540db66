// Prints what each source module adds to a `<script>` bundle of the SDK, gzipped (level 9, as the
// build measures). esbuild's own analysis counts minified bytes, but gzip squeezes repeated code far
// more than unique code (merging two near-identical readers once made the bundle larger), so this
// measures what matters: the bundle's gzipped size minus its size without that module's code. The
// result without a module does not run; it is only measured. Figures are estimates: gzip is not
// additive, so the column does not sum to the total.
// Usage: node scripts/client-bundle-report.mjs [herald.min.js | herald-ws.min.js | herald-sse.min.js]
import { build } from 'esbuild';
import { minify } from 'terser';
import { buildScript, gzipSize, SCRIPTS, scriptBuild } from './build-client.mjs';

const file = process.argv[2] ?? 'herald.min.js';
const script = SCRIPTS.find(([, name]) => name === file);
if (script === undefined) throw new Error(`unknown bundle ${file}; one of ${SCRIPTS.map(([, f]) => f).join(', ')}`);

// Identifiers and syntax minified as in the real build, whitespace kept: then esbuild marks where
// each module starts with a `// path` comment, which the final minification below removes. It is
// terser as in the build, but without its compressor, which would drop whatever a removed module
// left unused (removing global.ts would leave nothing): the base is then a little above the real size.
const options = { ...scriptBuild(...script), minify: false, minifyIdentifiers: true, minifySyntax: true };
const [output] = (await build(options)).outputFiles;
// The IIFE's closing line belongs to no module: keep it out of the last one.
const end = output.text.lastIndexOf('\n})();');
const modules = output.text.slice(0, end).split(/\n(?= {2}\/\/ packages\/)/);
const closing = output.text.slice(end);
const minified = async (code) =>
  (await minify(code, { ecma: 2022, compress: false, format: { comments: false } })).code;
const size = async (code) => gzipSize(Buffer.from(await minified(code)));

const total = await size(output.text);
const rows = [];
for (let i = 1; i < modules.length; i++) {
  const path = modules[i].match(/\/\/ (\S+)/)?.[1] ?? `module ${i}`;
  const without = [...modules.slice(0, i), ...modules.slice(i + 1)].join('\n') + closing;
  rows.push([total - (await size(without)), path]);
}
const served = await buildScript(...script);
console.log(`${file}: ${gzipSize(served.contents)} B gzipped (${total} B minified again as one file, the base below)`);
console.log('what each module adds:');
for (const [bytes, path] of rows.sort((a, b) => b[0] - a[0])) console.log(`${String(bytes).padStart(7)} B  ${path}`);
