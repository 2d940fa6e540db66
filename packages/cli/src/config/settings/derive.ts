import { z } from 'zod';
import { type Entries, type Flag, type Group, isGroup, type ServerOption, type Setting } from './setting.ts';

// What the rest of the CLI reads off the settings' entries: the zod schema, the defaults, the flags,
// and the server options they feed. Each walks the entries in their order.

/** The zod shape of some entries: each key optional, a group a strict object of its own entries. */
export type ShapeOf<E extends Entries> = {
  -readonly [K in keyof E]: E[K] extends Group<infer G>
    ? z.ZodOptional<z.ZodObject<ShapeOf<G>, z.core.$strict>>
    : E[K] extends Setting<infer S>
      ? z.ZodOptional<S>
      : never;
};

export function shapeOf<E extends Entries>(entries: E): ShapeOf<E> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, entry] of Object.entries(entries)) {
    shape[key] = z.optional(isGroup(entry) ? groupSchema(entry) : entry.schema);
  }
  return shape as ShapeOf<E>;
}

export function groupSchema<E extends Entries>(g: Group<E>): z.ZodObject<ShapeOf<E>, z.core.$strict> {
  return z.strictObject(shapeOf(g.entries), { error: g.error });
}

/** Keys whose setting has a default (every group has one: the object of its entries' defaults). */
type WithDefault<E extends Entries> = {
  [K in keyof E]: E[K] extends Group ? K : E[K] extends Setting<z.ZodType, undefined> ? never : K;
}[keyof E];

/** The defaults of some entries, in config file shape. */
export type DefaultsOf<E extends Entries> = {
  readonly [K in WithDefault<E>]: E[K] extends Group<infer G>
    ? DefaultsOf<G>
    : E[K] extends Setting<z.ZodType, infer D>
      ? D
      : never;
};

export function defaultsOf<E extends Entries>(entries: E): DefaultsOf<E> {
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(entries)) {
    if (isGroup(entry)) out[key] = defaultsOf(entry.entries);
    // Cloned, so that no caller can change the server's DEFAULTS through ours.
    else if (entry.default !== undefined) out[key] = structuredClone(entry.default);
  }
  return out as DefaultsOf<E>;
}

/** Every setting with a flag, in the entries' order (the order of `--help`). */
export function flagsOf(entries: Entries, under: readonly string[] = []): Flag[] {
  return Object.entries(entries).flatMap(([key, entry]): Flag[] => {
    const [first, ...rest] = under;
    const path: [string, ...string[]] = first === undefined ? [key] : [first, ...rest, key];
    if (isGroup(entry)) return flagsOf(entry.entries, path);
    return entry.cli === undefined ? [] : [{ ...entry.cli, path }];
  });
}

/** Every setting and group that feeds a server option, with its key path. */
export function serverOptionsOf(
  entries: Entries,
  under: readonly string[] = [],
): { path: string; option: ServerOption }[] {
  return Object.entries(entries).flatMap(([key, entry]) => {
    const path = [...under, key];
    const own = entry.option === undefined ? [] : [{ path: path.join('.'), option: entry.option }];
    return isGroup(entry) ? [...own, ...serverOptionsOf(entry.entries, path)] : own;
  });
}
