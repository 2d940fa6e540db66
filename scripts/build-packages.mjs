// Builds what the published @herald/server and @herald/client need besides the bundles that
// build.mjs (CLI) and build-client.mjs (SDK) make:
//   packages/server/dist/index.js       createHerald with @herald/core and @herald/protocol bundled in
//                                       (they are private workspace packages: users install one package);
//                                       third-party imports stay imports of the package's dependencies
//   packages/{client,server}/dist/types  .d.ts files from `tsc --emitDeclarationOnly`, with each bundled
//                                       workspace package's declarations beside them (`noCheck`: a type
//                                       error is `npm run typecheck`'s to report, not a reason to fail `npm ci`)
//
// How the workspace resolves: every published package.json lists a `herald-source` export condition
// first, pointing at src/*.ts. Tools inside the monorepo turn that condition on (tsconfig.json
// `customConditions`, vitest.config.ts, esbuild's `conditions` in the build scripts, `node --conditions
// herald-source --import tsx` for scripts), so tests and tsx run the TypeScript sources with no build.
// Node and bundlers of users never set it and get `types` + the built JavaScript in dist.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { checkExternals } from './package-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = join(root, 'packages');
/** Where tsc writes the declarations of every package it reaches (one directory per build: builds may overlap). */
const dtsOut = join(root, `node_modules/.cache/herald-dts-${process.pid}`);

/** Bare imports other than @herald/* stay imports: the package's dependencies provide them. */
const externalDependencies = {
  name: 'external-dependencies',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@herald/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** Writes a file under a temporary name and renames it, so a reader never sees half of it. */
function writeAtomically(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

async function buildServer() {
  const dir = join(packages, 'server');
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(dir, 'src/index.ts')],
    outfile: join(dir, 'dist/index.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['herald-source'],
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    write: false,
    plugins: [externalDependencies],
  });
  checkExternals(result.metafile, dir);
  // The map first: the entry's sourceMappingURL then always finds a map of its own build or a newer one.
  const isMap = (file) => file.path.endsWith('.map');
  const files = [...result.outputFiles.filter(isMap), ...result.outputFiles.filter((f) => !isMap(f))];
  for (const file of files) writeAtomically(file.path, file.contents);
}

/** Every `.d.ts` under `dir`, as paths relative to it. */
function declarations(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = join(prefix, entry.name);
    if (entry.isDirectory()) return declarations(dir, path);
    return entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The @herald/* packages a declaration file imports. */
function heraldImports(text) {
  return [...text.matchAll(/from '@herald\/([a-z-]+)'|import\('@herald\/([a-z-]+)'\)/g)].map((m) => m[1] ?? m[2]);
}

/**
 * Copies the declarations of `name` and of every workspace package they import into
 * packages/<name>/dist/types/<package>/, rewriting `./x.ts` to `./x.js` (what the built layout has)
 * and `@herald/<package>` to a relative path (those packages are not published).
 */
function shipDeclarations(name) {
  const target = join(packages, name, 'dist/types');
  const staging = `${target}.next-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const pending = [name];
  const shipped = new Set();
  try {
    copyDeclarations(pending, shipped, staging);
    checkRelativeImports(staging);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
}

/**
 * Fails the build when a shipped declaration imports a relative file that is not there: users would
 * get a package whose types do not resolve (tsc has emitted only some files of a package before).
 */
function checkRelativeImports(staging) {
  for (const file of declarations(staging)) {
    const text = readFileSync(join(staging, file), 'utf8');
    for (const m of text.matchAll(/(?:from |import\()(['"])(\.\.?\/[^'"]+)\.js\1/g)) {
      const target = join(staging, dirname(file), `${m[2]}.d.ts`);
      if (!existsSync(target)) throw new Error(`declarations: ${file} imports ${m[2]}.js, which was not emitted`);
    }
  }
}

/** Copies (rewritten) the declarations of the packages in `pending` and of those they import into `staging`. */
function copyDeclarations(pending, shipped, staging) {
  while (pending.length > 0) {
    const pkg = pending.pop();
    if (shipped.has(pkg)) continue;
    shipped.add(pkg);
    const from = join(dtsOut, pkg, 'src');
    for (const file of declarations(from)) {
      const out = join(staging, pkg, file);
      const text = readFileSync(join(from, file), 'utf8');
      pending.push(...heraldImports(text));
      const rewritten = text
        .replace(/(['"])(\.\.?\/[^'"]*?)\.ts\1/g, '$1$2.js$1')
        .replace(/(['"])@herald\/([a-z-]+)\1/g, (_m, quote, dep) => {
          const path = relative(dirname(out), join(staging, dep, 'index.js')).replaceAll('\\', '/');
          return `${quote}${path.startsWith('.') ? path : `./${path}`}${quote}`;
        });
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, rewritten);
    }
  }
}

function buildDeclarations() {
  rmSync(dtsOut, { recursive: true, force: true });
  try {
    const config = join(root, 'scripts/tsconfig.dts.json');
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', config, '--outDir', dtsOut], {
      cwd: root,
      stdio: 'inherit',
    });
    shipDeclarations('client');
    shipDeclarations('server');
  } finally {
    rmSync(dtsOut, { recursive: true, force: true });
  }
}

/** Builds the server bundle and both packages' declarations. */
export default async function buildPackages() {
  const started = Date.now();
  await buildServer();
  buildDeclarations();
  console.log(
    `built packages/server/dist and the .d.ts of @herald/server and @herald/client in ${Date.now() - started} ms`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildPackages();
