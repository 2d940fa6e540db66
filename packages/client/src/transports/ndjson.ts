import { parseNdjsonLine } from '../frames.ts';
import { openFetchStream } from './fetch-stream.ts';
import type { Connection, Sink, TransportContext } from './types.ts';

/** HTTP streaming, one JSON object a line (contract section 5); an empty line is a heartbeat. */
export function openNdjsonTransport(ctx: TransportContext, sink: Sink): Connection {
  return openFetchStream(ctx, sink, {
    accept: 'application/x-ndjson',
    feeder(_channels, emit) {
      let buffer = '';
      return (text) => {
        const lines = (buffer + text).split('\n');
        buffer = lines.pop() as string; // the unfinished last line ('' after a newline)
        for (const line of lines) {
          emit.live();
          const frame = parseNdjsonLine(line);
          if (frame) emit.frame(frame);
        }
      };
    },
  });
}
