import type { RawSetting } from './resolve.ts';
import type { Flag } from './settings/setting.ts';

/**
 * Settings given only under an earlier variable name (`HERALD_API_KEYS`, now `HERALD_API_KEY`): read
 * as if given under the current one, each with a warning through `warn`. When both names are set
 * the current one wins and the warning says the old one is ignored. `given` tells whether a flag or
 * the current variable already set the setting.
 */
export function deprecatedEnvSettings(
  settings: readonly Flag[],
  env: NodeJS.ProcessEnv,
  given: (setting: Flag) => boolean,
  warn: (line: string) => void,
): RawSetting[] {
  const found: RawSetting[] = [];
  for (const setting of settings) {
    const old = setting.deprecatedEnv;
    const value = old === undefined ? undefined : env[old];
    if (old === undefined || value === undefined || value === '') continue;
    if (given(setting)) {
      if (env[setting.env] !== undefined) warn(`warning: ${old} is deprecated and ignored: ${setting.env} is set\n`);
      else warn(`warning: ${old} is deprecated (use ${setting.env}); a flag overrides it here\n`);
      continue;
    }
    warn(`warning: ${old} is deprecated: use ${setting.env} (same format); ${old} still works for now\n`);
    // Reported under the name that was used, so a bad value names the variable the user wrote.
    found.push({ setting: { ...setting, env: old }, value, source: 'env' });
  }
  return found;
}
