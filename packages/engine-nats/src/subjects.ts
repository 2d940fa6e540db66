/**
 * Names of streams, buckets and subjects. A channel name may contain `.` (a NATS token separator) and
 * `:` `@` (fine in subjects but not in KV keys), so a channel travels as one token: the base64url text of
 * its name, without padding. base64url uses only `A-Z a-z 0-9 - _`, which are valid in subjects and KV
 * keys, is case-sensitive like channel names, and is a bijection, so look-alike channels (`a.b`, `a:b`,
 * `a_b`) never share a subject. A 128-character name becomes a 171-character token.
 */

/** What a prefix may look like: it is also a stream name, which may not contain `.`, `*`, `>` or spaces. */
export const PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** The one token that stands for `channel` in subjects and keys. */
export function channelToken(channel: string): string {
  return Buffer.from(channel, 'utf8').toString('base64url');
}

/** The channel a token stands for. */
export function tokenChannel(token: string): string {
  return Buffer.from(token, 'base64url').toString('utf8');
}

/** The names one engine uses under its prefix. */
export class Names {
  /** The stream of every channel's history. */
  readonly stream: string;
  /** KV bucket of presence members (`<channel>.<node>.<client>` -> info). */
  readonly membersBucket: string;
  /** KV bucket of live nodes (`<node>` -> heartbeat), with the presence TTL as its max age. */
  readonly nodesBucket: string;
  /** Object Store bucket of blobs (stream `OBJ_<prefix>_blobs`). */
  readonly blobBucket: string;

  constructor(readonly prefix: string) {
    this.stream = prefix;
    this.membersBucket = `${prefix}_presence`;
    this.nodesBucket = `${prefix}_nodes`;
    this.blobBucket = `${prefix}_blobs`;
  }

  /** The subjects the stream captures. */
  get historySubjects(): string {
    return `${this.prefix}.ch.>`;
  }

  /** Where the stream republishes every stored message, for the live feeds of all nodes. */
  get feedSubjects(): string {
    return `${this.prefix}.fd.>`;
  }

  /** The subject of a channel's history. */
  history(channel: string): string {
    return `${this.prefix}.ch.${channelToken(channel)}`;
  }

  /** The subject on which the stream republishes a channel's stored messages. */
  feed(channel: string): string {
    return `${this.prefix}.fd.${channelToken(channel)}`;
  }

  /** The core NATS subject of a channel's presence joins and leaves. */
  presence(channel: string): string {
    return `${this.prefix}.pr.${channelToken(channel)}`;
  }
}
