import { describe, expect, it } from 'vitest';
import { CONNECTIONS } from './connections.ts';
import { flagsOf } from './derive.ts';
import { CONFIG_ENTRIES, SETTINGS } from './index.ts';
import { LIMITS } from './limits.ts';
import { LISTEN } from './listen.ts';
import { MEMORY } from './memory.ts';
import { PAGES } from './pages.ts';
import { PROCESS } from './process.ts';
import { STORAGE } from './storage.ts';

describe('the settings index', () => {
  it('takes each key from one theme file only (a spread would silently keep the last)', () => {
    const themes = [LISTEN, STORAGE, PROCESS, CONNECTIONS, LIMITS, MEMORY, PAGES];
    const keys = themes.flatMap((theme) => Object.keys(theme));
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(CONFIG_ENTRIES, key).toHaveProperty(key);
  });

  it('lists in --help every flag of the config entries, each once', () => {
    const flags = (list: readonly { flags: string }[]) => list.map((f) => f.flags).sort();
    expect(flags(SETTINGS)).toEqual(flags(flagsOf(CONFIG_ENTRIES)));
    expect(new Set(flags(SETTINGS)).size).toBe(SETTINGS.length);
  });
});
