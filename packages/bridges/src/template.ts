/**
 * Patterns over a source's key (topic, subject, routing key, stream, column) and templates that build
 * channel and event names from what they captured: `orders.{id}` over `orders.42` gives `{ id: '42' }`,
 * and `order:{id}` renders `order:42`.
 *
 * In a pattern, `{name}` captures one segment (no `.` or `/`, the separators of subjects, routing keys and
 * topics) and `{name+}` captures one or more segments. Everything else is literal. `{key}` is always
 * defined: the whole key.
 */

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}/g;
const NAME_ONLY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The variable every template may use: the source's whole key. */
export const KEY_VARIABLE = 'key';

/** A compiled pattern over source keys. */
export class KeyPattern {
  /** Names captured by the pattern, in order. */
  readonly names: readonly string[];
  private readonly regex: RegExp;

  constructor(readonly source: string) {
    const names: string[] = [];
    let regex = '^';
    let last = 0;
    for (const m of source.matchAll(PLACEHOLDER)) {
      const [whole, name = '', plus] = m;
      if (names.includes(name) || name === KEY_VARIABLE) {
        throw new Error(`pattern ${JSON.stringify(source)}: {${name}} is used twice or is reserved`);
      }
      names.push(name);
      regex += escapeRegex(source.slice(last, m.index)) + (plus === '+' ? '(.+?)' : '([^./]+)');
      last = m.index + whole.length;
    }
    const rest = source.slice(last);
    if (/[{}]/.test(source.replace(PLACEHOLDER, ''))) {
      throw new Error(`pattern ${JSON.stringify(source)}: a brace that is not a {name} or {name+} placeholder`);
    }
    this.regex = new RegExp(`${regex}${escapeRegex(rest)}$`);
    this.names = names;
  }

  /** The captured variables (plus `key`), or undefined when `key` does not match. */
  match(key: string): Record<string, string> | undefined {
    const m = this.regex.exec(key);
    if (m === null) return undefined;
    const vars: Record<string, string> = { [KEY_VARIABLE]: key };
    this.names.forEach((name, i) => {
      vars[name] = m[i + 1] as string;
    });
    return vars;
  }
}

/** A compiled template: literal text and `{name}` variables. */
export class Template {
  /** Variables the template uses. */
  readonly names: readonly string[];
  private readonly parts: ReadonlyArray<string | { name: string }>;

  constructor(readonly source: string) {
    const parts: Array<string | { name: string }> = [];
    const names: string[] = [];
    let last = 0;
    for (const m of source.matchAll(/\{([^{}]*)\}/g)) {
      const name = m[1] ?? '';
      if (!NAME_ONLY.test(name))
        throw new Error(`template ${JSON.stringify(source)}: {${name}} is not a variable name`);
      if (m.index > last) parts.push(source.slice(last, m.index));
      parts.push({ name });
      if (!names.includes(name)) names.push(name);
      last = m.index + m[0].length;
    }
    const rest = source.slice(last);
    if (/[{}]/.test(rest) || parts.some((p) => typeof p === 'string' && /[{}]/.test(p))) {
      throw new Error(`template ${JSON.stringify(source)}: unbalanced brace`);
    }
    if (rest !== '') parts.push(rest);
    this.parts = parts;
    this.names = names;
  }

  /** The rendered text; a variable without a value renders as ''. */
  render(vars: Readonly<Record<string, string>>): string {
    let out = '';
    for (const part of this.parts) out += typeof part === 'string' ? part : (vars[part.name] ?? '');
    return out;
  }
}

/** Variables `template` uses that `pattern` (or `key`) does not define; empty when it is sound. */
export function unknownVariables(template: Template, pattern: KeyPattern | undefined): string[] {
  const known = new Set([KEY_VARIABLE, ...(pattern?.names ?? [])]);
  return template.names.filter((n) => !known.has(n));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
