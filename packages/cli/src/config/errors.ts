import type { z } from 'zod';

/** A bad option, flag, environment variable or config file; the message names the culprit. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** How the CLI reports an error that stops a command: a config error as written, anything else prefixed. */
export function errorText(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  return `herald: ${error instanceof Error ? error.message : String(error)}`;
}

/** Key path as written in a config file: `namespaces.chat.historySize`. */
export function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/**
 * Turns zod issues into one line each, `<where>: <what is expected>`. `where` maps a key path to what
 * the user wrote (a key path in a file, a flag, an environment variable).
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], where: (path: readonly PropertyKey[]) => string) {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${where([...issue.path, key])}: unknown key`);
    } else if (issue.code === 'invalid_key') {
      lines.push(`${where(issue.path)}: ${issue.issues[0]?.message ?? issue.message}`);
    } else {
      lines.push(`${where(issue.path)}: ${issue.message}`);
    }
  }
  return lines;
}
