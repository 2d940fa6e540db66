import type { Engine, HistoryLimits } from '@herald/core';

/** An idempotent producer's last accepted position (protocol 5.2.1). */
export interface ProducerState {
  readonly epoch: number;
  readonly seq: number;
  /** Last use, ms: the least recently used producer is forgotten first. */
  readonly at: number;
}

/**
 * What Herald keeps about one stream besides its messages. Stored as JSON, newest record last, in the
 * stream's metadata channel (see {@link metaChannel}) through the engine, so it lives where the
 * messages live: in memory, in SQLite with `--data`, or in Redis / NATS for every node.
 */
export interface StreamMeta {
  readonly v: 1;
  /** Random per incarnation: a stream deleted and created again gets new ETags. */
  readonly id: string;
  /** `live`; `deleted` (or expired); `retired`: deleted while forks still read it (410). */
  readonly state: 'live' | 'deleted' | 'retired';
  /** The Content-Type given at creation, as given. */
  readonly contentType: string;
  /** The channel's epoch when the stream was created; another epoch means its history is lost. */
  readonly epoch: string;
  /** Channel offset just before the stream's first message: stream index n is channel offset base + n + 1. */
  readonly base: number;
  readonly createdAt: number;
  readonly ttlSeconds?: number | undefined;
  /** Absolute expiry, ms since the Unix epoch. */
  readonly expiresAt?: number | undefined;
  /** Last read or write, ms: a TTL counts from here (sliding window). */
  readonly touchedAt: number;
  readonly closed: boolean;
  /** The producer request that closed the stream, so its retry is a duplicate (204), not a 409. */
  readonly closedBy?: { readonly id: string; readonly epoch: number; readonly seq: number } | undefined;
  /** Last `Stream-Seq` accepted (compared as strings). */
  readonly streamSeq?: string | undefined;
  readonly producers: Readonly<Record<string, ProducerState>>;
  /** The fork's source stream and where it forked (for idempotent re-creation and deletion). */
  readonly fork?: { readonly from: string; readonly index: number; readonly sub: number } | undefined;
  /** Live forks of this stream: while any remain, deleting it only retires it. */
  readonly forks: number;
}

/** Metadata records kept per stream (only the newest counts; a few older ones help debugging). */
const META_LIMITS: HistoryLimits = { size: 8, maxAgeMs: 100 * 365 * 24 * 3_600_000 };

/**
 * The channel holding a stream's metadata records: the stream's channel name and a suffix no client
 * channel name can carry (a NUL byte), so the API can never publish or subscribe to it.
 */
export function metaChannel(channel: string): string {
  return `${channel}\u0000ds`;
}

/** Reads and writes stream metadata through the engine. */
export class MetaStore {
  constructor(private readonly engine: Engine) {}

  /** The newest metadata of `channel`'s stream, undefined if it never had one. */
  async load(channel: string): Promise<StreamMeta | undefined> {
    const ch = metaChannel(channel);
    const state = await this.engine.state(ch, META_LIMITS);
    if (state.last < state.first) return undefined;
    const page = await this.engine.read(ch, state.last, 1, META_LIMITS);
    const newest = page.messages[page.messages.length - 1];
    return newest === undefined ? undefined : (JSON.parse(newest.data) as StreamMeta);
  }

  /** Stores a new version of `channel`'s metadata. */
  async save(channel: string, meta: StreamMeta): Promise<void> {
    await this.engine.append(metaChannel(channel), [{ event: undefined, data: JSON.stringify(meta) }], META_LIMITS);
  }
}

/** True when the stream is past its TTL or its absolute expiry. */
export function isExpired(meta: StreamMeta, now: number): boolean {
  if (meta.expiresAt !== undefined && now >= meta.expiresAt) return true;
  return meta.ttlSeconds !== undefined && now >= meta.touchedAt + meta.ttlSeconds * 1000;
}
