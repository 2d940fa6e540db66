// Finds the publisher's send time in a delivered message without parsing the whole JSON:
// at 100k+ deliveries/s a full JSON.parse per message would make the load generator the bottleneck.
// The publisher's data always starts with {"t":<ms>, so the first occurrence is the one.

const MARK = '{"t":';
const MARK_BYTES = Buffer.from(MARK);

/**
 * Send times of one connection's messages. A hub frames every message of a channel alike, so the
 * mark sits at the same offset from the start of a frame (or of an SSE event or NDJSON line) in
 * message after message, until an id gains a digit: the offset that held last time is checked
 * first with five byte reads, and only a miss pays for the native search. At a million deliveries
 * a second that search was the load core's largest single cost. A hit cannot skip an earlier
 * message: one would have to fit, whole, between the start and the mark's offset, which is
 * shorter than any bench message.
 */
export class SentAtReader {
  private offset = -1;

  /** Send time from the frame `buf[start, end)`, or NaN when it holds no bench message. */
  read(buf: Buffer, start: number, end: number): number {
    const at = this.find(buf, start, end);
    return at < 0 ? Number.NaN : numberAt(buf, at + MARK.length, end);
  }

  /**
   * Every bench message in the lines of `buf[start, end)` (a line holds at most one: an SSE `data:`
   * line or an NDJSON line), reported with its send time; returns how many were found. After a
   * message the search resumes at the next line, and stops when too few bytes are left to hold a
   * mark: searching on from the mark would run into the next chunk's bytes.
   */
  each(buf: Buffer, start: number, end: number, found: (sentAt: number) => void): number {
    let n = 0;
    let from = start;
    while (end - from >= MARK.length) {
      const at = this.find(buf, from, end);
      if (at < 0) break;
      const sentAt = numberAt(buf, at + MARK.length, end);
      if (!Number.isNaN(sentAt)) {
        found(sentAt);
        n++;
      }
      const nl = buf.indexOf(NEWLINE, at + MARK.length);
      if (nl < 0 || nl >= end) break;
      from = nl + 1;
    }
    return n;
  }

  /** Where the first mark in `buf[from, end)` starts, or -1. */
  private find(buf: Buffer, from: number, end: number): number {
    const at = from + this.offset;
    if (
      this.offset >= 0 &&
      at + MARK.length < end &&
      buf[at] === OPEN_BRACE &&
      buf[at + 1] === QUOTE &&
      buf[at + 2] === LETTER_T &&
      buf[at + 3] === QUOTE &&
      buf[at + 4] === COLON
    ) {
      return at;
    }
    const found = buf.indexOf(MARK_BYTES, from);
    if (found < 0 || found >= end) return -1;
    this.offset = found - from;
    return found;
  }
}

const OPEN_BRACE = 0x7b;
const QUOTE = 0x22;
const LETTER_T = 0x74;
const COLON = 0x3a;

const NEWLINE = 10;
const ZERO = 48;
const NINE = 57;
const DOT = 46;

/** The unsigned decimal number at `buf[i]` (the publisher writes ms with up to 3 decimals). */
function numberAt(buf: Buffer, i: number, end: number): number {
  let value = 0;
  let digits = 0;
  let c = buf[i] as number;
  while (i < end && c >= ZERO && c <= NINE) {
    value = value * 10 + (c - ZERO);
    digits++;
    c = buf[++i] as number;
  }
  if (i < end && c === DOT) {
    let scale = 0.1;
    c = buf[++i] as number;
    while (i < end && c >= ZERO && c <= NINE) {
      value += (c - ZERO) * scale;
      scale /= 10;
      c = buf[++i] as number;
    }
  }
  return digits === 0 ? Number.NaN : value;
}

/** Send time from an SSE event's data, or NaN when the event is not a bench message. */
export function sentAtFromString(data: string): number {
  const at = data.indexOf(MARK);
  return at < 0 ? Number.NaN : Number.parseFloat(data.slice(at + MARK.length, at + MARK.length + 24));
}
