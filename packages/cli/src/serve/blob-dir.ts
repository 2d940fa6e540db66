import { statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

/**
 * Where blobs go for a `--data` location: `blobs/` beside the SQLite file, i.e. `<dir>/blobs` for a
 * directory and `<dirname(file)>/blobs` for a database file path (the same rule the SQLite engine
 * uses to tell the two apart). No `--data`: undefined, blobs stay in memory.
 */
export function blobDirFor(data: string | undefined): string | undefined {
  if (data === undefined) return undefined;
  const stat = statSync(data, { throwIfNoEntry: false });
  const isDir = stat?.isDirectory() === true || (stat === undefined && extname(data) === '');
  return join(isDir ? data : dirname(data), 'blobs');
}
