#!/usr/bin/env node
// The `herald` command. The code is bundled into ../dist by scripts/build.mjs (run by `npm ci`,
// `npm run build` and `npm start`), so running it needs neither TypeScript nor a loader.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/herald.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('herald: the CLI is not built yet; run `npm run build` at the repository root\n');
  process.exit(1);
}
await import(bundle.href);
