import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './build.ts';

// Build diagnostics (times, bundle sizes) are for developers: `npm start` and `npm ci` run the build
// as an npm hook and must print nothing but errors before the hub's own start-up block.

const run = promisify(execFile);

/** Runs the CLI-only build as npm would for `lifecycle` (undefined: run directly). */
async function build(lifecycle: string | undefined, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_lifecycle_event: lifecycle };
  if (lifecycle === undefined) delete env.npm_lifecycle_event;
  return run(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--cli', ...args], { cwd: ROOT, env });
}

describe('build output', () => {
  it('is silent as the prestart and prepare hooks, and speaks when run directly or with --verbose', async () => {
    expect(await build('prestart')).toEqual({ stdout: '', stderr: '' });
    expect(await build('prepare')).toEqual({ stdout: '', stderr: '' });
    expect((await build('prestart', '--verbose')).stdout).toMatch(/^built packages\/cli\/dist\/herald\.js in \d+ ms$/m);
    expect((await build('build')).stdout).toMatch(/^built packages\/cli\/dist\/herald\.js in \d+ ms$/m);
    expect((await build(undefined)).stdout).toMatch(/^built packages\/cli\/dist\/herald\.js in \d+ ms$/m);
  }, 60_000);
});
