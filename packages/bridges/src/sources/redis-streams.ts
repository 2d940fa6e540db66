import { hostname } from 'node:os';
import { createClient } from 'redis';
import { Backoff, backoffDelay, sleep } from '../backoff.ts';
import type { ConfigOf } from '../config.ts';
import type { DeadLetter } from '../delivery.ts';
import type { SourceMessage } from '../mapping.ts';
import { aborted, type Source, type SourceContext, settle } from '../source.ts';

type Config = ConfigOf<'redis-streams'>;
type Client = ReturnType<typeof createClient>;
type Entry = { readonly stream: string; readonly id: string; readonly fields: Record<string, string> | null };

const CLOSE_TIMEOUT_MS = 2_000;

/**
 * Redis Streams through a consumer group: XREADGROUP of at most `prefetch` entries, each XACKed once the
 * hub stored it, in stream order. At start and after every error the consumer first re-reads its own
 * pending entries (id 0): those it had read but not acked when it was stopped, killed or cut off. Every
 * `claimIdleMs / 2` it takes over (XAUTOCLAIM) entries another consumer left pending longer than
 * `claimIdleMs`, which then come through the same pending read. The idempotency key is `<stream>:<id>`,
 * so an entry published before its ack was lost is a duplicate the second time.
 *
 * Source fields: key = stream (or `fields.key`), event = `fields.event`, id = `<stream>:<entry id>`,
 * headers = entry fields. The payload is `fields.data`, or all fields as a JSON object when it is absent.
 */
export function redisStreamsSource(ctx: SourceContext<Config>): Source {
  const { config, stats, signal } = ctx;
  const consumer = config.consumer ?? `${hostname()}-${process.pid}`;
  const reconnectStrategy = (retries: number) => backoffDelay(retries, config.retryInitialMs, config.retryMaxMs);
  // Two connections: XREADGROUP BLOCK holds the reader, while acks and dead letters go out on the writer.
  const reader: Client = createClient({
    url: config.url,
    name: `herald-bridge:${config.name}`,
    disableOfflineQueue: true,
    socket: { reconnectStrategy },
  });
  const writer: Client = reader.duplicate();
  // node-redis reconnects by itself (with the backoff above); the state follows the reader.
  reader.on('error', (error: unknown) => {
    if (stats.state === 'up') stats.reconnects++;
    stats.setState('down', error);
  });
  reader.on('ready', () => stats.setState('up'));
  writer.on('error', () => {});

  async function loop(): Promise<void> {
    const backoff = new Backoff(config.retryInitialMs, config.retryMaxMs);
    const claimFrom = new Map<string, string>();
    let groupsReady = false;
    let readPending = true;
    let nextClaim = 0;
    /** The last ack sent (acks complete in order on the writer's connection). */
    let lastAck: Promise<void> = Promise.resolve();
    while (!signal.aborted) {
      try {
        if (!groupsReady) groupsReady = await ensureGroups(writer, config);
        if (Date.now() >= nextClaim) {
          nextClaim = Date.now() + Math.ceil(config.claimIdleMs / 2);
          if (await claimStale(writer, config, consumer, claimFrom)) readPending = true;
        }
        // The pending list is read on the reader's connection: an ack still in flight on the writer's
        // would leave its entry in the answer, to be published again (a duplicate the hub drops, but a
        // second round of work for every entry of a loaded bridge).
        if (readPending) await lastAck;
        const entries = await read(reader, config, consumer, readPending);
        if (readPending && entries.length === 0) readPending = false;
        for (const entry of entries) {
          if (signal.aborted) break;
          lastAck = (await consumeOne(ctx, writer, entry))?.acked ?? lastAck;
        }
        backoff.reset();
      } catch (error) {
        if (signal.aborted) break;
        // A command error on a live connection (NOGROUP, WRONGTYPE) is not an outage: noted, retried.
        if (reader.isReady) stats.noteError(error);
        // A NOGROUP (stream deleted) recreates the groups; a lost reply is found in the pending entries.
        groupsReady = false;
        readPending = true;
        await sleep(backoff.next(), signal);
      }
    }
  }

  return {
    async run() {
      reader.connect().catch(() => {});
      writer.connect().catch(() => {});
      const running = loop();
      await aborted(signal);
      // Stop reading first (an XREADGROUP answered now would leave entries pending), then drain and ack.
      if (reader.isOpen) reader.destroy();
      // A publish still hanging after the drain time blocks the loop for good: don't wait for it.
      if (await ctx.delivery.drain(config.drainTimeoutMs)) await settle(running, CLOSE_TIMEOUT_MS);
      await settle(writer.close(), CLOSE_TIMEOUT_MS);
      if (writer.isOpen) writer.destroy();
    },
    async lag() {
      let lag = 0;
      for (const stream of config.streams) {
        const groups = (await writer.xInfoGroups(stream)) as unknown as Array<Record<string, unknown>>;
        const value = groups.find((g) => g.name === config.group)?.lag;
        if (typeof value !== 'number') return undefined;
        lag += value;
      }
      return lag;
    },
  };
}

/** Creates the group on every stream (and the stream itself) unless it exists. */
async function ensureGroups(client: Client, config: Config): Promise<boolean> {
  for (const stream of config.streams) {
    try {
      await client.xGroupCreate(stream, config.group, config.startId, { MKSTREAM: true });
    } catch (error) {
      if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error;
    }
  }
  return true;
}

/** Takes over entries idle longer than `claimIdleMs` (one page per stream per call); true when any were. */
async function claimStale(
  client: Client,
  config: Config,
  consumer: string,
  from: Map<string, string>,
): Promise<boolean> {
  let claimed = false;
  for (const stream of config.streams) {
    const reply = await client.xAutoClaim(
      stream,
      config.group,
      consumer,
      config.claimIdleMs,
      from.get(stream) ?? '0-0',
      {
        COUNT: config.prefetch,
      },
    );
    from.set(stream, String(reply.nextId));
    if (reply.messages.length > 0 || reply.deletedMessages.length > 0) claimed = true;
  }
  return claimed;
}

/** Our pending entries (`pending`), or new ones (waiting up to `blockMs`). */
async function read(client: Client, config: Config, consumer: string, pending: boolean): Promise<Entry[]> {
  const streams = config.streams.map((key) => ({ key, id: pending ? '0' : '>' }));
  const options = pending ? { COUNT: config.prefetch } : { COUNT: config.prefetch, BLOCK: config.blockMs };
  const reply = await client.xReadGroup(config.group, consumer, streams, options);
  const entries: Entry[] = [];
  for (const { name, messages } of (reply ?? []) as Array<{
    name: string;
    messages: Array<{ id: string; message: Record<string, string> | null }>;
  }>) {
    for (const m of messages) entries.push({ stream: String(name), id: String(m.id), fields: m.message ?? null });
  }
  return entries;
}

/** Handles one entry; `acked` settles once the ack sent for it (if any) is answered. */
async function consumeOne(
  ctx: SourceContext<Config>,
  client: Client,
  entry: Entry,
): Promise<{ acked: Promise<void> } | undefined> {
  const { config } = ctx;
  if (entry.fields === null) {
    // Deleted (XDEL or trimmed) while pending: nothing left to publish.
    await client.xAck(entry.stream, config.group, entry.id);
    return undefined;
  }
  const fields = entry.fields;
  const deadLetter: DeadLetter = async (message, poison) => {
    if (config.deadLetterStream === undefined) return;
    const copy = {
      ...fields,
      'herald-bridge': config.name,
      'herald-reason': poison.reason,
      'herald-detail': poison.detail,
    };
    const trim = {
      TRIM: { strategy: 'MAXLEN' as const, strategyModifier: '~' as const, threshold: config.deadLetterMaxLen },
    };
    // One transaction: a crash can't leave the entry both dead-lettered and pending (or neither).
    await client
      .multi()
      .xAdd(config.deadLetterStream, '*', { ...copy, 'herald-source': message.sourceId ?? '' }, trim)
      .xAck(entry.stream, config.group, entry.id)
      .exec();
  };
  const verdict = await ctx.delivery.handle(toSourceMessage(config, entry, fields), deadLetter);
  // Not awaited: the next entry's publish need not wait for this round trip (acks stay in order on the
  // connection). An ack lost with the connection leaves the entry pending: read again, then a duplicate.
  if (verdict !== 'done') return undefined;
  const acked = client
    .xAck(entry.stream, config.group, entry.id)
    .then(() => {})
    .catch((error: unknown) => ctx.stats.noteError(error));
  return { acked };
}

function toSourceMessage(config: Config, entry: Entry, fields: Record<string, string>): SourceMessage {
  const { data: dataField, event: eventField, key: keyField } = config.fields;
  const data = fields[dataField];
  let body = data;
  if (body === undefined) {
    const { [eventField]: _, ...rest } = fields;
    body = JSON.stringify(rest);
  }
  const millis = Number(entry.id.slice(0, entry.id.indexOf('-')));
  return {
    key: (keyField === undefined ? undefined : fields[keyField]) ?? entry.stream,
    body,
    event: fields[eventField] || undefined,
    sourceId: `${entry.stream}:${entry.id}`,
    header: (name) => fields[name],
    // Auto-generated ids start with the time Redis took the entry, in ms.
    timestampMs: millis > 1e12 ? millis : undefined,
  };
}
