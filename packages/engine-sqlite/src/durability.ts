import { newEpoch } from '@herald/core';
import type Database from 'better-sqlite3';

/**
 * How far an acknowledged append is kept (docs/durability.md):
 * - `full` (the default): `synchronous=FULL`. An append resolves once its commit is synced to disk, so
 *   it survives a crash of the process, of the kernel and a power loss. Appends that arrive together
 *   share one commit and one sync (group commit).
 * - `fast`: `synchronous=NORMAL`. An append resolves once it is in the OS page cache: a crash of the
 *   process keeps it, a power loss or kernel crash may roll back the last commits. So after any stop
 *   that was not clean, every channel starts a new epoch with empty history: resuming clients get a
 *   `reset` instead of new messages under offsets they already hold.
 */
export type SqliteSync = 'full' | 'fast';

/** The marker row: what the last run of the database left behind. */
const MARKER_KEY = 'state';
/** `clean` after a close; `open-<sync>` while a run is going (so found at open: that run did not close). */
type MarkerState = 'clean' | `open-${SqliteSync}`;

/** What opening found. */
export interface MarkerCheck {
  /** The sync mode of the previous run that did not close, if one did not. */
  readonly unclean: SqliteSync | 'unknown' | undefined;
  /** True when the channels were given new epochs (their history could not be vouched for). */
  readonly reset: boolean;
}

/**
 * Reads the clean-shutdown marker, starts new epochs when the previous run could have lost
 * acknowledged appends, and records this run as open (synced, whatever the mode, so a power loss
 * cannot take the record back). `walHadFrames`: the WAL held data before the database was opened,
 * which for a database from before the marker existed is the only sign of a run that did not close.
 */
export function openMarker(db: Database.Database, sync: SqliteSync, walHadFrames: boolean, now: number): MarkerCheck {
  const row = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(MARKER_KEY);
  const previous = row?.value as MarkerState | undefined;
  let unclean: MarkerCheck['unclean'];
  if (previous === 'open-fast' || previous === 'open-full') unclean = previous === 'open-fast' ? 'fast' : 'full';
  else if (previous === undefined && walHadFrames) unclean = 'unknown';
  // A run in `full` mode synced every acknowledged append: its stop lost nothing anyone was told of.
  const reset = unclean === 'fast' || unclean === 'unknown';
  db.pragma('synchronous = FULL');
  db.transaction(() => {
    if (reset) startNewEpochs(db, now);
    setMarker(db, `open-${sync}`);
  }).immediate();
  return { unclean, reset };
}

/** Records a clean close. Call after the last append committed, before the final checkpoint. */
export function markClean(db: Database.Database): void {
  setMarker(db, 'clean');
}

function setMarker(db: Database.Database, state: MarkerState): void {
  db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(MARKER_KEY, state);
}

/**
 * Every channel gets a new epoch and empty history; idempotency keys go too (their stored answers name
 * offsets that may be gone). A new epoch starts at offset 1 (engine contract), so the surviving
 * messages cannot be kept under it.
 */
function startNewEpochs(db: Database.Database, now: number): void {
  const names = db.prepare<[], { name: string }>('SELECT name FROM channels').all();
  const update = db.prepare<[string, number, string]>(
    'UPDATE channels SET epoch = ?, first = 1, last = 0, idle_until = ? WHERE name = ?',
  );
  // Idle until now: the sweep forgets them unless they are used again.
  for (const { name } of names) update.run(newEpoch(), now, name);
  db.exec('DELETE FROM messages; DELETE FROM idempotency;');
}
