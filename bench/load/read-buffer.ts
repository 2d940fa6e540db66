// Where the subscriber sockets of a load process read (node's `onread` option to net.connect):
// one buffer for all of them instead of a new Buffer per read pushed through a stream as a 'data'
// event. A fan-out makes one read per socket per write of the hub; the per-read allocation, its
// zeroing and the garbage collection it fed were a large part of the load core's cost per read
// (docs/performance.md, "Known limits of the harness").
import type { OnReadOpts } from 'node:net';

/** Shared by every socket of the process: each read is consumed before the next one starts. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** The `onread` option that hands `read` each read's bytes, `buf[0, length)`, valid until it returns. */
export function readInto(read: (buf: Buffer, length: number) => void): OnReadOpts {
  return {
    buffer: READ_BUFFER,
    callback: (length: number): boolean => {
      read(READ_BUFFER, length);
      return true;
    },
  };
}
