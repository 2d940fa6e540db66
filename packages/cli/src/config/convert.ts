import type { SettingKind } from './settings/setting.ts';

/** Converts a flag's or variable's text to the type its key expects; the schema then checks the value. */
export function convert(kind: SettingKind, raw: string | string[] | boolean, fromEnv: boolean): unknown {
  if (typeof raw === 'boolean') return raw;
  if (kind === 'list') {
    const items = Array.isArray(raw) ? raw : [raw];
    // Only variables are comma-separated: a flag value is taken as written, so a key may hold a comma.
    return fromEnv
      ? items
          .flatMap((s) => s.split(','))
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : items;
  }
  const value = Array.isArray(raw) ? (raw.at(-1) ?? '') : raw;
  if (kind === 'text') return value;
  if (kind === 'boolean') {
    // Words people write for on and off; anything else is left for the schema to refuse.
    if (/^(?:1|true|yes|on)$/i.test(value.trim())) return true;
    if (/^(?:0|false|no|off)$/i.test(value.trim())) return false;
    return value;
  }
  const trimmed = value.trim();
  // Number('') is 0 and Number('0x10') is 16: accept plain decimals only, leave the rest for the schema to refuse.
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}
