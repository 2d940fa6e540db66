import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLOSE_CODES, reconnectAdvice } from './close-codes.ts';
import { ERROR_CATALOG } from './errors.ts';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

/** Rows of the markdown table that follows `heading`, as arrays of cells. */
function table(heading: string): string[][] {
  const start = doc.indexOf(heading) + heading.length;
  const next = doc.indexOf('\n## ', start);
  const section = doc.slice(start, next === -1 ? undefined : next);
  return section
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .slice(2)
    .map((r) =>
      r
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replaceAll('`', '')),
    );
}

describe('docs/errors.md', () => {
  it('lists every catalog error with its status, and nothing else', () => {
    const rows = table('## HTTP errors');
    const documented = Object.fromEntries(rows.map(([code, status]) => [code, Number(status)]));
    const catalog = Object.fromEntries(Object.entries(ERROR_CATALOG).map(([code, e]) => [code, e.status]));
    expect(documented).toEqual(catalog);
  });

  it('lists every close code with its name, and nothing else', () => {
    const rows = table('## Close codes');
    const documented = Object.fromEntries(rows.map(([code, name]) => [name, Number(code)]));
    expect(documented).toEqual(CLOSE_CODES);
  });

  it('says for each close code what the client does, matching reconnectAdvice', () => {
    const rows = table('## Close codes');
    const words = { never: 'not reconnect', backoff: 'backoff', now: 'at once' } as const;
    for (const [code, , , advice] of rows) {
      expect(advice, `close code ${code}`).toContain(words[reconnectAdvice(Number(code))]);
    }
  });
});
