// Checks that a bundle of a published package imports at run time only what an install brings:
// Node built-ins and the packages named in that package's dependencies. The workspace packages are
// bundled in, so a bare `@herald/*` import left in a dist file would fail for every user (they are
// not published), and a third-party import missing from `dependencies` would work here only because
// the monorepo hoists it. Used by build.mjs, build-client.mjs and build-packages.mjs on esbuild's metafile.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const BUILTINS = new Set(builtinModules);

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Throws when an output of `metafile` imports a package that `packageDir`'s package.json does not
 * declare in dependencies, optionalDependencies or peerDependencies.
 */
export function checkExternals(metafile, packageDir) {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const declared = new Set(
    ['dependencies', 'optionalDependencies', 'peerDependencies'].flatMap((field) => Object.keys(manifest[field] ?? {})),
  );
  const missing = new Set();
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) {
      if (!imported.external || imported.path.startsWith('.') || imported.path.startsWith('/')) continue;
      if (imported.path.startsWith('node:') || BUILTINS.has(imported.path)) continue;
      const name = packageName(imported.path);
      if (!declared.has(name)) missing.add(name);
    }
  }
  if (missing.size > 0) {
    throw new Error(`${manifest.name}: the bundle imports ${[...missing].join(', ')}, not in its dependencies`);
  }
}
