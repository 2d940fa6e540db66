import { closeSync, constants, mkdirSync, openSync, type Stats, statSync, unlinkSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { ConfigError } from '../config/errors.ts';

/** The file the SQLite engine keeps in a `--data` directory (its SQLITE_FILE_NAME; not imported, see below). */
const DATABASE_FILE = 'herald.sqlite3';

/**
 * Checks a `--data` location before the SQLite engine opens it, and creates its directory, so that a
 * bad one stops the start at once with one line naming it. Without this check `--data /proc/nope`
 * spins forever: Node's recursive mkdir retries without end where mkdir answers ENOENT for a
 * parent that exists (procfs), and the engine creates its directory that way. The rule for "a
 * directory or a database file" is the engine's (a missing path without an extension is a directory);
 * it is repeated here because importing the engine would load its optional native driver.
 */
export function checkDataLocation(data: string): void {
  const path = resolve(data);
  const stat = statIfAny(data, path);
  const isDir = stat?.isDirectory() === true || (stat === undefined && extname(path) === '');
  const dir = isDir ? path : dirname(path);
  makeDirectory(data, dir);
  probeWritable(data, dir);
  const file = isDir ? join(dir, DATABASE_FILE) : path;
  const existing = statIfAny(data, file);
  if (existing === undefined) return;
  if (!existing.isFile()) fail(data, `${file} exists but is not a file`);
  try {
    // Read and write, as the engine opens it: a database it may not read or write is caught here.
    closeSync(openSync(file, constants.O_RDWR));
  } catch (error) {
    fail(data, `cannot open ${file} for reading and writing (${reason(error)})`);
  }
}

/** Creates `dir` one level at a time (never `recursive: true`, which is what loops on procfs). */
function makeDirectory(data: string, dir: string): void {
  const missing: string[] = [];
  let at = dir;
  for (;;) {
    const stat = statIfAny(data, at);
    if (stat !== undefined) {
      if (!stat.isDirectory()) fail(data, `${at} is a file, not a directory`);
      break;
    }
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      fail(data, `cannot create the directory ${level} (${reason(error)})`);
    }
  }
}

/** Creates and removes a file in `dir`: the only test that also catches read-only and virtual file systems. */
function probeWritable(data: string, dir: string): void {
  const probe = join(dir, `.herald-write-check-${process.pid}`);
  try {
    closeSync(openSync(probe, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY));
    unlinkSync(probe);
  } catch (error) {
    fail(data, `the directory ${dir} is not writable (${reason(error)})`);
  }
}

/**
 * The path's stat, or undefined when nothing is there (a file in the way of the path counts as
 * nothing: the walk up finds it). A path that cannot be looked at (EACCES on a parent) stops the start.
 */
function statIfAny(data: string, path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    fail(data, `cannot look at ${path} (${reason(error)})`);
  }
}

function reason(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ?? message;
}

function fail(data: string, what: string): never {
  throw new ConfigError(`--data ${data}: ${what}`);
}
