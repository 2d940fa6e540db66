import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Docs that point at files that moved or never existed (docs/client.md once sent readers to a
// packages/client/PROGRESS.md that was not there) fail here instead of in a newcomer's browser.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The documentation: every Markdown file at the root, in docs/, and each package's README. */
function docs(): string[] {
  const md = (dir: string): string[] =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join(dir, f));
  const packages = readdirSync(join(ROOT, 'packages'))
    .map((p) => join('packages', p, 'README.md'))
    .filter((p) => existsSync(join(ROOT, p)));
  return [...md('.'), ...md('docs'), ...packages];
}

/** The text outside fenced code blocks and inline code spans (examples are not links). */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading = ''] of text
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const plain = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*_]/g, (c) => (c === '_' ? '_' : ''));
    const slug = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** Relative link targets of a Markdown text: inline `[text](target)` and reference `[id]: target`. */
function links(text: string): string[] {
  const body = prose(text);
  const inline = [...body.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? '');
  const reference = [...body.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1] ?? '');
  return [...inline, ...reference].filter((t) => t !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** The file `target` (written in `file`) names, without its anchor. */
function resolve(file: string, target: string): { path: string; anchor: string | undefined } {
  const [rawPath = '', anchor] = target.split('#', 2);
  const path = decodeURIComponent(rawPath);
  return { path: path === '' ? join(ROOT, file) : join(ROOT, dirname(file), path), anchor: anchor || undefined };
}

/** Why the path of `target` (anchor left aside) does not resolve; undefined when it does. */
function missingFile(file: string, target: string): string | undefined {
  const { path } = resolve(file, target);
  if (!path.startsWith(ROOT)) return 'outside the repository';
  return existsSync(path) ? undefined : 'no such file';
}

/** Why the anchor of `target` names no heading of the Markdown file it points at; undefined when it does. */
function missingHeading(file: string, target: string): string | undefined {
  const { path, anchor } = resolve(file, target);
  if (anchor === undefined || !path.endsWith('.md') || !existsSync(path) || statSync(path).isDirectory()) {
    return undefined;
  }
  return anchors(readFileSync(path, 'utf8')).has(anchor.toLowerCase())
    ? undefined
    : `no heading #${anchor} in ${relative(ROOT, path)}`;
}

/** The problems `check` finds with the relative links of `file`, as `target: problem` lines. */
function problems(file: string, check: (file: string, target: string) => string | undefined): string[] {
  return links(readFileSync(join(ROOT, file), 'utf8')).flatMap((target) => {
    const problem = check(file, target);
    return problem === undefined ? [] : [`${target}: ${problem}`];
  });
}

describe('documentation links', () => {
  const files = docs();

  it('covers the README and every page of docs/', () => {
    expect(files).toContain('README.md');
    expect(files.filter((f) => f.startsWith('docs/')).length).toBeGreaterThanOrEqual(8);
  });

  it.each(files)('%s: every relative link points at a file that exists', (file) => {
    expect(problems(file, missingFile)).toEqual([]);
  });

  it.each(files)('%s: every #anchor of a relative link names a heading of its page', (file) => {
    expect(problems(file, missingHeading)).toEqual([]);
  });

  it.each(files)('%s: every repository path named in the prose exists', (file) => {
    // Bare mentions such as "see packages/client/PROGRESS.md" are links a reader follows by hand.
    // Built output (dist/) and templates (<page>.html) are not in a checkout.
    const text = prose(readFileSync(join(ROOT, file), 'utf8'));
    const named = text.matchAll(
      /(?<![\w./<-])((?:packages|docs|web|test|scripts|bench)\/[\w./-]*[\w-]\.(?:ts|mjs|js|md|json|html|css|ya?ml|webm))\b/g,
    );
    const missing = [...named]
      .map((m) => m[1] ?? '')
      .filter((p) => !p.includes('/dist/') && !existsSync(join(ROOT, p)));
    expect(missing).toEqual([]);
  });

  it('finds a broken link, a missing heading and a missing named path (the checks themselves work)', () => {
    expect(links('see [x](nope.md) and [y](https://example.com) and `[z](code.md)`')).toEqual(['nope.md']);
    expect(missingFile('docs/client.md', '../packages/client/PROGRESS.md')).toBe('no such file');
    expect(missingFile('docs/client.md', 'protocol.md#anything')).toBeUndefined();
    expect(missingHeading('README.md', 'docs/protocol.md#no-such-heading')).toMatch(/^no heading/);
    expect(missingHeading('README.md', 'docs/http-api.md#blobs')).toBeUndefined();
    expect(anchors('## Scaling out: `--redis` and `--workers`\n## A\n## A')).toEqual(
      new Set(['scaling-out---redis-and---workers', 'a', 'a-1']),
    );
  });
});
