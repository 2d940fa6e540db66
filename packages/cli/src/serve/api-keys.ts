import { randomBytes } from 'node:crypto';

/** The keys a hub accepts, and whether this start made them up. */
export interface ApiKeys {
  readonly keys: readonly string[];
  /** True when none was configured and one was generated for this run. */
  readonly generated: boolean;
}

/** The configured keys, or one generated key when there are none. */
export function apiKeysFor(configured: readonly string[]): ApiKeys {
  if (configured.length > 0) return { keys: [...configured], generated: false };
  // 18 random bytes: 144 bits, 24 URL-safe characters, easy to paste into a curl command.
  return { keys: [randomBytes(18).toString('base64url')], generated: true };
}

/** The start-up "API key:" line: a generated key in full, configured ones only recognisably. */
export function keyLine({ keys, generated }: ApiKeys): string {
  const first = keys[0] ?? '';
  if (generated) return `${first} (generated for this run; set --api-key or HERALD_API_KEY to keep one)`;
  // Configured keys are the operator's secrets: show enough to recognise them, not to use them.
  const shown = first.length >= 12 ? `${first.slice(0, 4)}…` : '****';
  return `${shown} (configured${keys.length > 1 ? `, ${keys.length} keys` : ''})`;
}
