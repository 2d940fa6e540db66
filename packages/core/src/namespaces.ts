import { namespaceOf } from '@herald/protocol';
import type { HistoryLimits } from './engine.ts';

/** Settings of a namespace (the part of a channel name before the first `:`). */
export interface NamespaceSettings {
  /** History kept per channel. */
  readonly history: HistoryLimits;
  /** Clients without credentials may subscribe (pull, stream, socket). */
  readonly anonymousSubscribe: boolean;
  /** Clients without credentials may publish. */
  readonly anonymousPublish: boolean;
  /** Largest `data` of one message, in bytes of compact JSON. */
  readonly maxMessageBytes: number;
  /** Track who is subscribed and announce joins and leaves. */
  readonly presence: boolean;
}

/** Defaults of contract section 1: the last 1,000 messages, at most one hour old; anyone subscribes, only keys publish. */
export const DEFAULT_NAMESPACE: NamespaceSettings = {
  history: { size: 1000, maxAgeMs: 3_600_000 },
  anonymousSubscribe: true,
  anonymousPublish: false,
  maxMessageBytes: 64 * 1024,
  presence: false,
};

/** Resolves a channel name to its namespace's settings. */
export class Namespaces {
  private readonly byName: Map<string, NamespaceSettings>;

  constructor(
    private readonly fallback: NamespaceSettings = DEFAULT_NAMESPACE,
    named: Record<string, Partial<NamespaceSettings>> = {},
  ) {
    this.byName = new Map(Object.entries(named).map(([name, s]) => [name, { ...fallback, ...s }]));
  }

  /** The settings that apply to `channel`. */
  of(channel: string): NamespaceSettings {
    return this.byName.get(namespaceOf(channel)) ?? this.fallback;
  }
}
