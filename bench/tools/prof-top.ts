// Summarises a V8 CPU profile (--cpu-prof, BENCH_CPU_PROF=1): self time by function and by
// package/file, so a bench result can say where the hub's CPU went without opening DevTools.
//   node --import tsx bench/tools/prof-top.ts bench/results/tmp/prof/<file>.cpuprofile [top=25]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: prof-top.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

/** node_modules/<pkg> or the repo path, without the file:// prefix */
function where(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
  if (pkg) return pkg;
  if (path.startsWith('node:') || path === '') return path || '(native/gc)';
  // The last packages/ wins: the bench runs a copy of the CLI under bench/results/tmp/herald-build-…/packages/.
  if (path.includes('/packages/')) return path.replace(/^.*\/packages\//, 'packages/');
  return path.replace(/^.*?\/bench\//, 'bench/');
}

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (!node) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const place = where(url);
  const key = `${functionName || '(anonymous)'} ${place}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  byPlace.set(place, (byPlace.get(place) ?? 0) + us);
}

// Inclusive time (self + callees) of the hub's own functions (packages/…): where a request's
// time goes, e.g. handlePublish → readJsonBody, validation, engine append, sendJson. A function
// below itself in the stack (recursion) is counted once.
const totalUs = new Map<number, number>();
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const totalOf = (id: number): number => {
  const known = totalUs.get(id);
  if (known !== undefined) return known;
  const node = byId.get(id);
  const sum = (selfUs.get(id) ?? 0) + (node?.children ?? []).reduce((a, c) => a + totalOf(c), 0);
  totalUs.set(id, sum);
  return sum;
};
const keyOf = (n: ProfileNode): string =>
  `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const inclusive = new Map<string, number>();
for (const n of profile.nodes) {
  if (!where(n.callFrame.url).startsWith('packages/')) continue;
  const key = keyOf(n);
  let up = parentOf.get(n.id);
  let nested = false;
  while (up !== undefined && !nested) {
    const parent = byId.get(up);
    nested = parent !== undefined && keyOf(parent) === key;
    up = parentOf.get(up);
  }
  if (!nested) inclusive.set(key, (inclusive.get(key) ?? 0) + totalOf(n.id));
}

const show = (title: string, map: Map<string, number>): void => {
  console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
};
show('self time by function', byFunction);
show('self time by package / file', byPlace);
show("inclusive time of the hub's own functions (packages/…)", inclusive);
