import { createFramer, type Framer, type Message } from '@herald/core';

/**
 * A message framing in two forms: raw bytes, and the same bytes as one HTTP/1.1 chunk
 * (`<hex length>\r\n<bytes>\r\n`). Streams write the chunked form straight to the socket, so a
 * delivery is one socket write of a buffer shared by every subscriber, instead of the four writes
 * node:http makes for `res.write` on a chunked response.
 */
export interface StreamFraming {
  readonly raw: Framer;
  readonly chunked: Framer;
}

/** Creates both forms of a framing from its raw encoder. */
export function streamFraming(encode: (m: Message) => Buffer): StreamFraming {
  const raw = createFramer(encode);
  return { raw, chunked: createFramer((m) => asChunk(m.frame(raw))) };
}

/** Wraps bytes as one HTTP/1.1 chunk. */
export function asChunk(bytes: Buffer | string): Buffer {
  const body = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  const head = `${body.length.toString(16)}\r\n`;
  const out = Buffer.allocUnsafe(head.length + body.length + 2);
  out.write(head, 0, 'latin1');
  body.copy(out, head.length);
  out.write('\r\n', head.length + body.length, 'latin1');
  return out;
}
