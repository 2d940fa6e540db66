import { parseSseEvent } from '../frames.ts';
import type { SseParserFactory } from '../platform.ts';
import { openFetchStream } from './fetch-stream.ts';
import type { Connection, Sink, TransportContext } from './types.ts';

/**
 * Server-Sent Events over fetch (contract section 4), parsed by the platform's SSE parser. The client
 * resumes with `?after=` from its own cursors rather than letting the stream retry by itself, so
 * reconnects, transport switches and catch-up all follow one rule.
 */
export function openSseTransport(ctx: TransportContext, sink: Sink): Connection {
  // The kit offers this transport only on a platform with an SSE parser (kit.ts).
  const parser = ctx.platform.sseParser as SseParserFactory;
  return openFetchStream(ctx, sink, {
    accept: 'text/event-stream',
    feeder: (channels, emit) =>
      parser((event) => {
        emit.live();
        const frame = parseSseEvent(event, channels);
        if (frame) emit.frame(frame);
      }, emit.live),
  });
}
