import type { Frame } from '../frames.ts';
import { httpFailure, readText } from '../http.ts';
import type { FetchLike } from '../platform.ts';
import { eventsUrl } from '../urls.ts';
import { type Connection, type Failure, multiAfter, type Sink, type TransportContext } from './types.ts';

/** How one streaming format turns text into frames. */
export interface StreamFormat {
  accept: string;
  /** Returns a feeder for one response: called with each decoded chunk. */
  feeder(channels: readonly string[], emit: { live(): void; frame(frame: Frame): void }): (text: string) => void;
}

/**
 * A long-lived `GET /v1/events` read through fetch (SSE or NDJSON). fetch, unlike EventSource, sends
 * the token in a header and shows every byte, so heartbeats feed the watchdog and a proxy that
 * buffers the stream is noticed (headers arrived, no data).
 */
export function openFetchStream(ctx: TransportContext, sink: Sink, format: StreamFormat): Connection {
  // The kit offers the streams only on a platform with fetch (kit.ts).
  const fetchImpl = ctx.platform.fetch as FetchLike;
  const controller = new AbortController();
  const { channels, after } = multiAfter(ctx.positions());
  let phase: Connection['phase'] = 'request';
  let done = false;

  const finish = (failure: Failure | undefined): void => {
    if (done) return;
    done = true;
    controller.abort();
    if (failure) sink.failed(failure);
  };
  const live = (): void => {
    if (done) return;
    if (phase !== 'open') {
      phase = 'open';
      sink.opened();
    }
    sink.alive();
  };
  const frame = (f: Frame): void => {
    if (done) return;
    if (f.type === 'close') finish({ kind: 'server', opened: true, code: f.code, reason: f.reason });
    else sink.frame(f);
  };

  const run = async (): Promise<void> => {
    const res = await fetchImpl(eventsUrl(ctx.base, channels, after), {
      headers: ctx.headers({ accept: format.accept }),
      signal: controller.signal,
      cache: 'no-store',
    });
    if (done) return;
    if (!res.ok) {
      finish(await httpFailure(res, false));
      return;
    }
    const type = res.headers.get('content-type') ?? '';
    if (!type.includes(format.accept)) {
      // A proxy or captive portal answering with something else: this transport cannot get through.
      finish({ kind: 'refused', opened: false, status: res.status, reason: `unexpected content type "${type}"` });
      return;
    }
    phase = 'headers';
    const feed = format.feeder(channels, { live, frame });
    await readText(res, (text) => {
      if (!done) feed(text);
    });
    // `phase` is changed by the feeder's callbacks, which the compiler does not follow.
    finish({ kind: 'ended', opened: (phase as Connection['phase']) === 'open', reason: 'the stream ended' });
  };
  run().catch((err: unknown) => {
    finish({ kind: 'network', opened: phase === 'open', reason: err instanceof Error ? err.message : String(err) });
  });

  return {
    get phase() {
      return phase;
    },
    watched: true,
    async close() {
      finish(undefined);
    },
  };
}
