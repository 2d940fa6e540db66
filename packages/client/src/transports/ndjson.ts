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
        buffer += text;
        let newline = buffer.indexOf('\n');
        while (newline !== -1) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          emit.live();
          const frame = parseNdjsonLine(line);
          if (frame !== undefined) emit.frame(frame);
          newline = buffer.indexOf('\n');
        }
      };
    },
  });
}
