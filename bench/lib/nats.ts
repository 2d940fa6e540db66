// The bench's side of NATS (scenario R): is JetStream there, a prefix of its own for each hub on it (the
// engine's stream and buckets are named after the prefix), everything under it deleted after the run,
// and the nats-server process whose CPU is measured beside the hub's. The NATS server is shared: the
// bench only ever deletes streams named after a prefix it generated itself.
import { readdirSync, readFileSync } from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** Every prefix the bench generates, and the only shape it will ever delete streams under. */
const BENCH_PREFIX = /^bench-[0-9a-f]{10}$/;

async function withNats<T>(url: string, fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: url, timeout: 2_000, maxReconnectAttempts: 0 });
  try {
    return await fn(nc);
  } finally {
    await nc.close();
  }
}

const reasons = new Map<string, Promise<string | undefined>>();

/** Why the NATS peers cannot run (unreachable, or without JetStream), or undefined; asked once per URL. */
export function natsMissing(url: string): Promise<string | undefined> {
  let reason = reasons.get(url);
  if (reason === undefined) {
    reason = withNats(url, async (nc) => {
      await (await jetstreamManager(nc, { timeout: 2_000 })).getAccountInfo();
      return undefined;
    }).catch((err: unknown) => `NATS JetStream not reachable at ${url}: ${err instanceof Error ? err.message : err}`);
    reasons.set(url, reason);
  }
  return reason;
}

/** The streams behind a prefix: the channels' stream, the presence and node buckets, the blob bucket. */
function streamsOf(prefix: string): string[] {
  return [prefix, `KV_${prefix}_presence`, `KV_${prefix}_nodes`, `OBJ_${prefix}_blobs`];
}

/** Deletes the streams of a prefix the bench generated; returns how many messages they held. */
export async function deleteNatsPrefix(url: string, prefix: string): Promise<number> {
  if (!BENCH_PREFIX.test(prefix)) throw new Error(`refusing to delete streams of "${prefix}": not a bench prefix`);
  return withNats(url, async (nc) => {
    const jsm = await jetstreamManager(nc);
    let messages = 0;
    for (const name of streamsOf(prefix)) {
      const info = await jsm.streams.info(name).catch(() => undefined);
      if (info === undefined) continue;
      messages += info.state.messages;
      await jsm.streams.delete(name);
    }
    return messages;
  });
}

/** The server's version and JetStream storage in use, for the report header. */
export async function natsSummary(url: string): Promise<Record<string, string>> {
  return withNats(url, async (nc) => {
    const account = await (await jetstreamManager(nc)).getAccountInfo();
    return { version: nc.info?.version ?? '?', storage: `${Math.round(account.storage / 1024)} KiB` };
  });
}

/**
 * The nats-server process behind `url` when it runs on this machine (its CPU is measured per window):
 * the one whose command line names the URL's port (4222 when it names none), or undefined.
 */
export function localNatsPid(url: string): number | undefined {
  const { hostname, port } = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) return undefined;
  const wanted = port === '' ? '4222' : port;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/comm`, 'latin1').startsWith('nats-server')) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0');
      const at = args.findIndex((a) => a === '-p' || a === '--port');
      if ((at === -1 ? '4222' : args[at + 1]) === wanted) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}
