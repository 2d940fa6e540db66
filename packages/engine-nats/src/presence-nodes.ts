import { DeliverPolicy } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { Clients, NatsLink } from './link.ts';
import { type Pulled, pull } from './pull.ts';
import type { Names } from './subjects.ts';

/** What presence needs from its engine. */
export interface PresenceSettings {
  readonly onError: (error: unknown) => void;
  /** How long a member outlives its node's last heartbeat, in ms. */
  readonly ttlMs: number;
  readonly nodeId: string;
  readonly storage: 'file' | 'memory';
  readonly replicas: number;
  readonly requestTimeoutMs: number;
}

/** A member key's parts: `<channel token>.<node>.<client token>`. */
export interface MemberKey {
  readonly channelToken: string;
  readonly node: string;
  readonly clientToken: string;
}

/** Stored members are rewritten every this many TTLs, and kept this many times longer by the bucket. */
export const MEMBER_REFRESH_TTLS = 10;
const MEMBER_KEEP_TTLS = 30;

/**
 * The two KV buckets of presence, and the nodes' heartbeats. Debian's nats-server 2.9 has no per-key
 * TTL, so liveness is per node: each node rewrites `n.<node>` in the nodes bucket (whose max age is the
 * presence TTL) every third of the TTL, and a node whose key is gone is dead. Members live in the
 * members bucket, keyed by channel, node and client; they are rewritten only every ten TTLs, so the
 * bucket's max age (thirty TTLs) clears what a whole cluster left behind when it stopped at once.
 */
export class PresenceNodes {
  /** Nodes whose heartbeat was there at the last look. */
  private alive = new Set<string>();
  private revision: number | undefined;

  private constructor(
    private readonly link: NatsLink,
    readonly members: KV,
    private readonly nodes: KV,
    private readonly buckets: { readonly members: string; readonly nodes: string },
    private readonly settings: PresenceSettings,
  ) {}

  /** Opens (creating when missing) both buckets. */
  static async open(link: NatsLink, names: Names, settings: PresenceSettings): Promise<PresenceNodes> {
    return link.call(async ({ js }: Clients) => {
      const kvm = new Kvm(js);
      const common = { history: 1, storage: settings.storage, replicas: settings.replicas } as const;
      const members = await kvm.create(names.membersBucket, { ...common, ttl: settings.ttlMs * MEMBER_KEEP_TTLS });
      const nodes = await kvm.create(names.nodesBucket, { ...common, ttl: settings.ttlMs });
      const buckets = { members: names.membersBucket, nodes: names.nodesBucket };
      return new PresenceNodes(link, members, nodes, buckets, settings);
    });
  }

  /**
   * Writes this node's heartbeat; returns the nodes that died since the last beat, and whether this node
   * itself had been given up for dead (its key expired: it was cut off longer than the TTL).
   */
  async beat(): Promise<{ dead: string[]; lost: boolean }> {
    const key = `n.${this.settings.nodeId}`;
    let lost = false;
    if (this.revision === undefined) {
      this.revision = await this.nodes.put(key, '');
    } else {
      try {
        this.revision = await this.nodes.update(key, '', this.revision);
      } catch {
        lost = true;
        this.revision = await this.nodes.put(key, '');
      }
    }
    const seen = new Set<string>();
    for (const msg of await this.scan(this.buckets.nodes, 'n.*')) seen.add(msg.subject.split('.').pop() ?? '');
    const dead: string[] = [];
    for (const node of this.alive) {
      // A scan can miss a key rewritten while it runs: a direct get confirms before a node is declared dead.
      if (!seen.has(node) && !(await this.hasHeartbeat(node))) dead.push(node);
      else seen.add(node);
    }
    this.alive = seen;
    return { dead, lost };
  }

  /** True when `node` has a heartbeat (asked when it is not among those seen at the last beat). */
  async isAlive(node: string): Promise<boolean> {
    if (node === this.settings.nodeId || this.alive.has(node)) return true;
    const alive = await this.hasHeartbeat(node);
    if (alive) this.alive.add(node);
    return alive;
  }

  private async hasHeartbeat(node: string): Promise<boolean> {
    const entry = await this.nodes.get(`n.${node}`);
    return entry !== null && entry.operation === 'PUT';
  }

  /** Wins the right to reap a dead node's members: exactly one caller per node and TTL gets true. */
  async claim(node: string): Promise<boolean> {
    try {
      await this.nodes.create(`r.${node}`, '');
      return true;
    } catch {
      return false;
    }
  }

  /** The newest value of each member key matching `filter` (KV key syntax), deleted ones left out. */
  async scanMembers(filter: string): Promise<Array<{ key: MemberKey; value: Uint8Array; revision: number }>> {
    const out = [];
    for (const msg of await this.scan(this.buckets.members, filter)) {
      const [channelToken, node, clientToken] = msg.subject.slice(`$KV.${this.buckets.members}.`.length).split('.');
      if (channelToken === undefined || node === undefined || clientToken === undefined) continue;
      out.push({ key: { channelToken, node, clientToken }, value: msg.data, revision: msg.seq });
    }
    return out;
  }

  /** Removes a member key with its history and no tombstone (KV delete markers would pile up). */
  async remove(key: MemberKey): Promise<void> {
    const filter = `$KV.${this.buckets.members}.${memberKey(key)}`;
    await this.link.call(({ jsm }) => jsm.streams.purge(`KV_${this.buckets.members}`, { filter }));
  }

  /** Removes this node's heartbeat, so the others see at once that it left. */
  async leave(): Promise<void> {
    await this.nodes.purge(`n.${this.settings.nodeId}`).catch(() => {});
  }

  private async scan(bucket: string, filter: string): Promise<Pulled[]> {
    const config = { filter_subject: `$KV.${bucket}.${filter}`, deliver_policy: DeliverPolicy.LastPerSubject };
    const pulled = await this.link.call((clients) =>
      pull(clients, `KV_${bucket}`, config, Number.MAX_SAFE_INTEGER, this.settings.requestTimeoutMs),
    );
    // Deleted and purged keys leave a marker with a KV-Operation header.
    return pulled.filter((msg) => (msg.headers?.get('KV-Operation') ?? '') === '');
  }
}

/** The KV key of a member. */
export function memberKey(key: MemberKey): string {
  return `${key.channelToken}.${key.node}.${key.clientToken}`;
}
