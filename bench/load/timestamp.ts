// Finds the publisher's send time in a delivered message without parsing the whole JSON:
// at 100k+ deliveries/s a full JSON.parse per message would make the load generator the bottleneck.
// The publisher's data always starts with {"t":<ms>, so the first occurrence is the one.

const MARK = '{"t":';
const MARK_BYTES = Buffer.from(MARK);

/** Send time from a WebSocket frame (Buffer), or NaN when the frame is not a bench message. */
export function sentAtFromBuffer(frame: Buffer): number {
  const at = frame.indexOf(MARK_BYTES);
  if (at < 0) return Number.NaN;
  // 24 bytes hold any monotonic ms value with µs fractions; parseFloat stops at the comma.
  return Number.parseFloat(frame.toString('latin1', at + MARK.length, at + MARK.length + 24));
}

/** Send time from an SSE event's data, or NaN when the event is not a bench message. */
export function sentAtFromString(data: string): number {
  const at = data.indexOf(MARK);
  return at < 0 ? Number.NaN : Number.parseFloat(data.slice(at + MARK.length, at + MARK.length + 24));
}
