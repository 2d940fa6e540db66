import { type Engine, MemoryEngine, type MemoryEngineOptions } from '@herald/core';
import { ConfigError } from '../config/errors.ts';

/** The engine `serve` runs on, and one line saying where history lives. */
export interface OpenedEngine {
  readonly engine: Engine;
  readonly description: string;
}

const SQLITE_HELP =
  '--data needs the optional dependency better-sqlite3 (12.x), which is missing or not built on this machine. ' +
  'Install it with `npm install better-sqlite3@12.11.1` (it compiles from source when no prebuilt binary ' +
  'can be downloaded: python3, make and a C++ compiler), or leave out --data to keep history in memory.';

/**
 * In-memory engine (within `memory`'s budgets), or SQLite in `data`. The SQLite engine is loaded only
 * when asked for (it is optional).
 */
export async function openEngine(data: string | undefined, memory: MemoryEngineOptions = {}): Promise<OpenedEngine> {
  if (data === undefined) {
    return { engine: new MemoryEngine(memory), description: 'in memory (lost on restart; --data DIR keeps it)' };
  }
  let sqlite: typeof import('@herald/engine-sqlite');
  try {
    sqlite = await import('@herald/engine-sqlite');
  } catch (error) {
    throw new ConfigError(`${SQLITE_HELP}\ncause: ${(error as Error).message}`);
  }
  try {
    return { engine: new sqlite.SqliteEngine({ path: data }), description: `SQLite in ${data}` };
  } catch (error) {
    const message = (error as Error).message;
    // better-sqlite3 loads its native binding on first use, not on import.
    if (/bindings|better_sqlite3\.node|NODE_MODULE_VERSION/.test(message)) {
      throw new ConfigError(`${SQLITE_HELP}\ncause: ${message}`);
    }
    throw new ConfigError(`cannot open the SQLite database in ${data}: ${message}`);
  }
}
