// A plan is the list of cases one invocation runs. A case = one scenario with its options and
// the peers to run it on (interleaved, --repeat times). Without --suite the plan is the single
// --scenario of the command line; with it, the presets of docs/performance.md's
// scenario letters (bench/suite/presets.ts).
import type { BenchOptions, PeerName, ScenarioName, SuiteLetter } from '../lib/options.ts';
import { presets } from './presets.ts';

export interface Case {
  /** unique within the plan, e.g. "A ws 1k" */
  id: string;
  letter: SuiteLetter | undefined;
  title: string;
  scenario: ScenarioName;
  peers: PeerName[];
  opts: BenchOptions;
}

export function buildPlan(opts: BenchOptions): Case[] {
  if (opts.suite.length === 0) {
    const subs = `${opts.transports.map((t) => `${opts.subs} ${t}`).join(' + ')} subscribers`;
    return [
      {
        id: opts.scenario,
        letter: undefined,
        title: `${opts.scenario}: ${subs}`,
        scenario: opts.scenario,
        peers: opts.peers,
        opts,
      },
    ];
  }
  const cases = presets(opts).filter((c) => c.letter !== undefined && opts.suite.includes(c.letter));
  // --peers narrows every preset to the named peers (in the presets' order); herald-base, another
  // commit's Herald, runs wherever the preset runs herald, right after it.
  if (!opts.peersGiven) return cases;
  const named = (c: Case): PeerName[] =>
    c.peers
      .flatMap((p): PeerName[] => (p === 'herald' ? ['herald', 'herald-base'] : [p]))
      .filter((p) => opts.peers.includes(p));
  return cases.map((c) => ({ ...c, peers: named(c) }));
}
