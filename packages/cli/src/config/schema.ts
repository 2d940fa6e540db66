import { z } from 'zod';
import { groupSchema, shapeOf } from './settings/derive.ts';
import { CONFIG_ENTRIES } from './settings/index.ts';
import { JWT } from './settings/jwt.ts';
import type { namespaceSchema } from './settings/namespaces.ts';
import type { LOG_LEVELS } from './settings/process.ts';

export { NAMESPACE_NAME, namespaceSchema } from './settings/namespaces.ts';
export { LOG_LEVELS } from './settings/process.ts';
export { DATA_SYNC_MODES } from './settings/storage.ts';

/** JWT verification (contract section 7): at least one key source makes JWTs acceptable. */
export const jwtSchema = groupSchema(JWT);

/**
 * The config file (JSON), also the shape flags and `HERALD_*` variables are validated against, built
 * from the settings' entries (settings/index.ts). Strict: an unknown key is an error, so a typo never
 * silently falls back to a default. Documented in docs/config.md.
 */
export const configSchema = z.strictObject(shapeOf(CONFIG_ENTRIES), { error: 'expected a JSON object' });

/** A parsed config file (or one layer of flags or environment variables): every field optional. */
export type ConfigLayer = z.infer<typeof configSchema>;
/** Namespace settings as written in config. */
export type NamespaceConfig = z.infer<typeof namespaceSchema>;
/** A pino level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];
