/**
 * The `herald` executable (bundled to dist/herald.js by scripts/build.mjs; bin/herald.js runs it).
 * Exits with the code the command resolved with: serve resolves only once it has shut down.
 */
import { processIo } from './io.ts';
import { runCli } from './program.ts';

const code = await runCli(process.argv.slice(2), processIo());
process.exit(code);
