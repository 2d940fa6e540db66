// Builds the demo pages and the dashboard into web/dist with esbuild (no CDN: the machines have no internet):
//   web/dist/<page>.html          web/src/layout.html around web/src/pages/<page>.html
//   web/dist/assets/<page>.js     web/src/<page>.ts bundled for browsers (the SDK is NOT bundled: pages load /herald.js)
//   web/dist/assets/style.css     web/src/style.css
// Usage: node scripts/build-web.mjs [--watch] [--outdir=DIR]   (also exported as default for scripts/build.mjs)
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, context } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'web/src');
const defaultDist = join(root, 'web/dist');

/** Every web/src/<page>.ts that has a web/src/pages/<page>.html is a page. */
function pages() {
  const fragments = new Set(readdirSync(join(src, 'pages')).filter((f) => f.endsWith('.html')));
  return readdirSync(src)
    .filter((f) => f.endsWith('.ts') && fragments.has(f.replace(/\.ts$/, '.html')))
    .map((f) => basename(f, '.ts'));
}

/**
 * Wraps each fragment in the layout. A fragment starts with `<!-- title: … -->`; the layout's
 * `{{title}}`, `{{page}}` and `{{body}}` are replaced.
 */
function writeHtml(names, dist) {
  const layout = readFileSync(join(src, 'layout.html'), 'utf8');
  for (const name of names) {
    const fragment = readFileSync(join(src, 'pages', `${name}.html`), 'utf8');
    const title = /^<!--\s*title:\s*(.*?)\s*-->/.exec(fragment)?.[1] ?? name;
    const body = fragment.replace(/^<!--.*?-->\s*/, '');
    const html = layout.replaceAll('{{title}}', title).replaceAll('{{page}}', name).replace('{{body}}', body.trim());
    writeFileSync(join(dist, `${name}.html`), html);
  }
}

function options(names, dist) {
  return {
    absWorkingDir: root,
    entryPoints: [
      ...names.map((n) => ({ in: join(src, `${n}.ts`), out: n })),
      { in: join(src, 'style.css'), out: 'style' },
    ],
    outdir: join(dist, 'assets'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    // @herald/client from its sources, as before it had a dist (see build-packages.mjs): page tests
    // build the site alone and must not pick up an older packages/client/dist.
    conditions: ['herald-source'],
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  };
}

/**
 * Builds the site once into `outdir` (default web/dist; tests build into a directory of their own so
 * that parallel test files never see a half-written site). Resolves with the list of pages.
 */
export default async function buildWeb({ outdir = defaultDist, quiet = false } = {}) {
  const started = Date.now();
  const names = pages();
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(join(outdir, 'assets'), { recursive: true });
  writeHtml(names, outdir);
  await build(options(names, outdir));
  if (!quiet) console.log(`built ${relative(root, outdir)} (${names.length} pages) in ${Date.now() - started} ms`);
  return names;
}

const invoked = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invoked) {
  try {
    const outdir = process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length);
    const names = await buildWeb(outdir === undefined ? {} : { outdir: resolve(outdir) });
    if (process.argv.includes('--watch')) {
      // HTML is rewritten on every rebuild, so fragment edits show up too (with any .ts change).
      const ctx = await context({
        ...options(names, defaultDist),
        plugins: [{ name: 'html', setup: (b) => b.onEnd(() => writeHtml(names, defaultDist)) }],
      });
      await ctx.watch();
      console.log('watching web/src (Ctrl-C to stop)');
    }
  } catch (error) {
    console.error(`web build failed: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}
