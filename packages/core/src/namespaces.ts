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
  /** Backend hooks: HTTP calls to the application on connect, subscribe and publish; none when absent. */
  readonly hooks?: HookSettings | undefined;
}

/**
 * Backend hooks of a namespace (docs/bridges.md, "Backend hooks"): absolute http(s) URLs the hub POSTs
 * JSON to. A hook left out is not called. Fields other than the URLs are optional; the server fills in
 * {@link HOOK_DEFAULTS}.
 */
export interface HookSettings {
  /** Authenticates a client without credentials (by its cookie): its user and the channels it may read. */
  readonly connect?: string | undefined;
  /** Allows or denies one subscription. */
  readonly subscribe?: string | undefined;
  /** Allows, transforms or denies one message a client (not an API key) publishes. */
  readonly publish?: string | undefined;
  /** Longest wait for an answer, ms; then `failure` applies. */
  readonly timeoutMs?: number | undefined;
  /** What a timeout, a 5xx, a network error or an invalid answer means: refuse (`deny`) or let through. */
  readonly failure?: 'deny' | 'allow' | undefined;
  /** How long connect and subscribe answers are reused for the same client and channel, ms; 0 = never. */
  readonly cacheMs?: number | undefined;
  /** Headers sent with every call (e.g. a shared secret that proves the call comes from the hub). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Request headers of the client itself forwarded to the application (lower case); never `authorization`. */
  readonly forwardHeaders?: readonly string[] | undefined;
}

/** Defaults of {@link HookSettings}, units in the names. */
export const HOOK_DEFAULTS = {
  timeoutMs: 2000,
  failure: 'deny',
  cacheMs: 0,
  forwardHeaders: ['cookie'],
} as const;

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
    // Without named namespaces (the usual setup) nothing to cut out and look up: a poll asks 2-3 times.
    if (this.byName.size === 0) return this.fallback;
    return this.byName.get(namespaceOf(channel)) ?? this.fallback;
  }
}
