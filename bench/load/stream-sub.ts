// Streaming subscribers over one HTTP response: Server-Sent Events (contract section 4; Nchan's
// EventSource subscriber frames the same way) and NDJSON (section 5). The request is written on a
// plain TCP socket and the answer read from it here: the status line and headers, then the body
// (chunked or not), in which each bench message is found by its {"t": mark on its line. No SSE
// parser and no string per event: on a fan-out the load core reads every delivery, and its cost
// per delivery must stay well below the hub's or the run measures the load generator. That SSE
// and NDJSON are framed right is the test suite's job, not the bench's.
import { connect } from 'node:net';
import type { Closable, OpenSpec } from './open-spec.ts';
import { readInto } from './read-buffer.ts';
import type { Tally } from './tally.ts';
import { SentAtReader } from './timestamp.ts';

const ACCEPT: Record<'sse' | 'ndjson', string> = { sse: 'text/event-stream', ndjson: 'application/x-ndjson' };
/** Larger than any header block the bench's hubs send. */
const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const NEWLINE = 10;

/** Resolves once a 200 answer has started; rejects otherwise. */
function openStream(kind: 'sse' | 'ndjson', spec: OpenSpec): Promise<Closable> {
  const { url, localAddress, timeoutMs, tally } = spec;
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const slot = tally.slot(kind);
    const meter = tally.meter(kind);
    // One dedicated socket per stream, as a browser's EventSource has.
    const socket = connect({
      host: target.hostname,
      port: Number(target.port || 80),
      localAddress,
      onread: readInto((bytes, length) => onBytes(bytes.subarray(0, length))),
    });
    meter.watch(socket);
    const timer = setTimeout(() => socket.destroy(new Error(`${kind} connect timeout`)), timeoutMs);
    let isOpen = false;
    let ended = false;
    socket.setNoDelay(true);
    socket.write(
      `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nAccept: ${ACCEPT[kind]}\r\n\r\n`,
    );
    let head: Buffer | undefined = Buffer.alloc(0);
    let body: BodyReader | undefined;
    // `chunk` is a view of the shared read buffer: what outlives this call is copied (concat).
    const onBytes = (chunk: Buffer): void => {
      if (body !== undefined) {
        if (body.feed(chunk)) finish();
        return;
      }
      const buf: Buffer = Buffer.concat([head ?? Buffer.alloc(0), chunk]);
      const at = buf.indexOf(HEAD_END);
      if (at < 0) {
        if (buf.length > MAX_HEAD_BYTES) socket.destroy(new Error(`${kind} header block too large`));
        head = buf;
        return;
      }
      head = undefined;
      clearTimeout(timer);
      const headText = buf.toString('latin1', 0, at);
      const status = Number(headText.slice(9, 12));
      if (status !== 200) {
        socket.destroy();
        reject(new Error(`${kind} answered ${status}`));
        return;
      }
      isOpen = true;
      tally.opened();
      body = new BodyReader(/\r\ntransfer-encoding:\s*chunked/i.test(headText), tally, slot);
      resolve({ close: () => socket.destroy() });
      if (body.feed(buf.subarray(at + HEAD_END.length))) finish();
    };
    // A stream the server ended with its last chunk: the connection may stay open (keep-alive).
    const finish = (): void => {
      ended = true;
      socket.destroy();
    };
    socket.on('close', () => {
      clearTimeout(timer);
      if (isOpen) tally.closed(ended ? `${kind} ended` : `${kind} aborted`);
      else reject(new Error(`${kind} closed before an answer`));
    });
    socket.on('error', (err) => {
      if (!isOpen) reject(err);
    });
  });
}

/**
 * Reads a response body (chunked or until close) and counts the bench messages in its lines. The
 * chunk framing is read byte by byte, with no string per chunk: Herald sends each SSE event as its
 * own chunk, so this runs once per delivery.
 */
export class BodyReader {
  /** the start of a line that has not ended yet */
  private carry: Buffer | undefined;
  /** chunked: bytes left in the current chunk's data; 0 = its CRLF is next; -1 = a size line is next */
  private left = -1;
  /** chunked: the size read so far from the current size line */
  private size = 0;
  /** chunked: the size line's digits have ended (a chunk extension or the CR follows) */
  private sizeEnded = false;
  private readonly found: (sentAt: number) => void;
  private readonly sentAt = new SentAtReader();

  constructor(
    private readonly chunked: boolean,
    private readonly tally: Tally,
    slot: number,
  ) {
    this.found = (sentAt) => tally.deliverArrived(slot, sentAt);
  }

  /** Feeds bytes off the socket; true once the last chunk (size 0) was read. */
  feed(bytes: Buffer): boolean {
    this.tally.arrived();
    if (!this.chunked) {
      this.data(bytes, 0, bytes.length);
      return false;
    }
    let at = 0;
    while (at < bytes.length) {
      if (this.left > 0) {
        const end = Math.min(bytes.length, at + this.left);
        this.data(bytes, at, end);
        this.left -= end - at;
        at = end;
        continue;
      }
      // A size line, or the CRLF that ends a chunk's data (left === 0): nothing counts until its LF.
      const c = bytes[at++] as number;
      if (c === NEWLINE) {
        if (this.left === 0) {
          this.left = -1;
          continue;
        }
        if (this.size === 0) return true;
        this.left = this.size;
        this.size = 0;
        this.sizeEnded = false;
      } else if (this.left === -1 && !this.sizeEnded) {
        const digit = hexDigit(c);
        if (digit < 0) this.sizeEnded = true;
        else this.size = this.size * 16 + digit;
      }
    }
    return false;
  }

  /** Body data `bytes[start, end)`: the complete lines are searched, the rest kept. */
  private data(bytes: Buffer, start: number, end: number): void {
    const lastNewline = bytes[end - 1] === NEWLINE ? end - 1 : bytes.lastIndexOf(NEWLINE, end - 1);
    if (lastNewline < start) {
      this.carry = Buffer.concat([this.carry ?? Buffer.alloc(0), bytes.subarray(start, end)]);
      return;
    }
    if (this.carry !== undefined) {
      const joined = Buffer.concat([this.carry, bytes.subarray(start, lastNewline + 1)]);
      this.carry = undefined;
      this.sentAt.each(joined, 0, joined.length, this.found);
    } else {
      this.sentAt.each(bytes, start, lastNewline + 1, this.found);
    }
    if (lastNewline + 1 < end) this.carry = Buffer.from(bytes.subarray(lastNewline + 1, end));
  }
}

/** The value of a hexadecimal digit's byte, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export const openSse = (spec: OpenSpec): Promise<Closable> => openStream('sse', spec);
export const openNdjson = (spec: OpenSpec): Promise<Closable> => openStream('ndjson', spec);
