import { createParser } from 'eventsource-parser';
import { parseSseEvent } from '../frames.ts';
import { openFetchStream } from './fetch-stream.ts';
import type { Connection, Sink, TransportContext } from './types.ts';

/**
 * Server-Sent Events over fetch, parsed by `eventsource-parser` (contract section 4). The client
 * resumes with `?after=` from its own cursors rather than letting the stream retry by itself, so
 * reconnects, transport switches and catch-up all follow one rule.
 */
export function openSseTransport(ctx: TransportContext, sink: Sink): Connection {
  return openFetchStream(ctx, sink, {
    accept: 'text/event-stream',
    feeder(channels, emit) {
      const parser = createParser({
        onEvent(event) {
          emit.live();
          const frame = parseSseEvent(event, channels);
          if (frame !== undefined) emit.frame(frame);
        },
        onRetry: emit.live,
        onComment: emit.live,
      });
      return (text) => parser.feed(text);
    },
  });
}
