import type { PublishInput } from '@herald/core';
import { jsonMessages } from './body.ts';
import { bytesInputs } from './create.ts';
import { H, mediaType, type ProducerHeaders } from './headers.ts';
import type { ProducerState, StreamMeta } from './meta.ts';
import { formatOffset } from './offsets.ts';
import { StreamError } from './stream-error.ts';
import { isJsonStream, type Streams } from './streams.ts';

/** A `POST` to a stream. */
export interface AppendRequest {
  readonly contentType: string | undefined;
  readonly body: Buffer;
  readonly close: boolean;
  readonly streamSeq: string | undefined;
  readonly producer: ProducerHeaders | undefined;
}

/** What a `POST` did. */
export interface AppendOutcome {
  /** 200: a producer's new data; 204: a plain append, a close, or a producer's duplicate. */
  readonly status: 200 | 204;
  readonly tail: number;
  readonly closed: boolean;
  readonly producer: { readonly epoch: number; readonly seq: number } | undefined;
}

/** Producers remembered per stream; the least recently used is forgotten first (protocol 5.2.1 allows cleanup). */
const MAX_PRODUCERS = 256;

/**
 * Appends to a stream, closes it, or both (protocol 5.2, 5.2.1 and stream closure), one request per
 * stream at a time. Validation order: body and content type, producer fencing and duplicates, closure,
 * `Stream-Seq`; nothing is written unless every check passed.
 */
export async function appendStream(streams: Streams, channel: string, req: AppendRequest): Promise<AppendOutcome> {
  return streams.locked(channel, async () => {
    const now = Date.now();
    const meta = await streams.live(channel, now);
    const closeOnly = req.close && req.body.length === 0;
    if (!closeOnly) {
      if (req.body.length === 0) throw new StreamError('bad_request', 'an append needs a body');
      if (req.contentType === undefined) throw new StreamError('bad_request', 'an append needs a Content-Type');
      if (mediaType(req.contentType) !== mediaType(meta.contentType)) {
        throw new StreamError('conflict', `the stream's content type is ${meta.contentType}`);
      }
    }
    const inputs: PublishInput[] = closeOnly
      ? []
      : isJsonStream(meta)
        ? jsonMessages(req.body, false).map((data) => ({ data }))
        : bytesInputs(streams, channel, req.body);
    const p = req.producer;
    const known = p === undefined ? undefined : meta.producers[p.id];
    if (p !== undefined) {
      const duplicate = checkProducer(p, known, meta);
      if (duplicate !== undefined) {
        return { status: 204, tail: await streams.tail(channel, meta), closed: meta.closed, producer: duplicate };
      }
    }
    if (meta.closed) {
      if (closeOnly && p === undefined)
        return { status: 204, tail: await streams.tail(channel, meta), closed: true, producer: undefined };
      const tail = await streams.tail(channel, meta);
      throw new StreamError('conflict', 'the stream is closed', {
        [H.closed]: 'true',
        [H.nextOffset]: formatOffset(tail),
      });
    }
    if (req.streamSeq !== undefined && meta.streamSeq !== undefined && req.streamSeq <= meta.streamSeq) {
      throw new StreamError('conflict', `Stream-Seq must be greater than ${meta.streamSeq}`);
    }
    // A channel that lost its history (another epoch) answers 410 before anything is written to it.
    await streams.state(channel, meta);
    const key = p === undefined ? undefined : `ds:${meta.id}:${p.id}:${p.epoch}:${p.seq}`;
    const tail = await streams.write(channel, meta, inputs, key);
    const changed = p !== undefined || req.streamSeq !== undefined || req.close || meta.ttlSeconds !== undefined;
    if (changed) {
      await streams.save(channel, {
        ...meta,
        touchedAt: now,
        closed: meta.closed || req.close,
        closedBy: req.close && p !== undefined ? { id: p.id, epoch: p.epoch, seq: p.seq } : meta.closedBy,
        streamSeq: req.streamSeq ?? meta.streamSeq,
        producers: p === undefined ? meta.producers : remember(meta.producers, p, now),
      });
    }
    const status = p !== undefined && !closeOnly ? 200 : 204;
    return { status, tail, closed: meta.closed || req.close, producer: p && { epoch: p.epoch, seq: p.seq } };
  });
}

/**
 * Producer fencing (protocol 5.2.1): a stale epoch is 403, a new epoch must start at 0 (400), a
 * repeated sequence is a duplicate (returned: answered 204 with the highest accepted sequence), a gap
 * is 409. A producer the stream does not know starts at sequence 0.
 */
function checkProducer(
  p: ProducerHeaders,
  known: ProducerState | undefined,
  meta: StreamMeta,
): { epoch: number; seq: number } | undefined {
  const closedHeader: Record<string, string> = meta.closed ? { [H.closed]: 'true' } : {};
  if (known !== undefined && p.epoch < known.epoch) {
    throw new StreamError('forbidden', 'a newer producer epoch is active', {
      ...closedHeader,
      [H.producerEpoch]: String(known.epoch),
    });
  }
  if (known === undefined || p.epoch > known.epoch) {
    if (p.seq !== 0) {
      if (known !== undefined) throw new StreamError('bad_request', 'a new producer epoch starts at Producer-Seq 0');
      throw new StreamError('conflict', 'a new producer starts at Producer-Seq 0', {
        ...closedHeader,
        [H.expectedSeq]: '0',
        [H.receivedSeq]: String(p.seq),
      });
    }
    return undefined;
  }
  if (p.seq <= known.seq) return { epoch: known.epoch, seq: known.seq };
  if (p.seq > known.seq + 1) {
    throw new StreamError('conflict', 'a gap in the producer sequence', {
      ...closedHeader,
      [H.expectedSeq]: String(known.seq + 1),
      [H.receivedSeq]: String(p.seq),
    });
  }
  return undefined;
}

function remember(
  producers: Readonly<Record<string, ProducerState>>,
  p: ProducerHeaders,
  now: number,
): Record<string, ProducerState> {
  const next: Record<string, ProducerState> = { ...producers, [p.id]: { epoch: p.epoch, seq: p.seq, at: now } };
  const ids = Object.keys(next);
  if (ids.length > MAX_PRODUCERS) {
    ids.sort((a, b) => (next[a]?.at ?? 0) - (next[b]?.at ?? 0));
    for (const id of ids.slice(0, ids.length - MAX_PRODUCERS)) delete next[id];
  }
  return next;
}
