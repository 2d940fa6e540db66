// What every subscriber kind is given, and what it hands back.
import type { Tally } from './tally.ts';

export interface Closable {
  close(): void;
}

export interface OpenSpec {
  url: string;
  /** source address of the connection (127.0.x.y): spreads connections past the ephemeral port limit */
  localAddress: string;
  timeoutMs: number;
  tally: Tally;
  /** poll subscribers only: ms between polls */
  pollIntervalMs: number;
}

/** Resolves once the subscription is established (or, for long polls, the first request is sent). */
export type Opener = (spec: OpenSpec) => Promise<Closable>;
