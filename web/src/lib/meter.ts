import type { FetchLike, WebSocketConstructor } from '@herald/client';

/**
 * What one transport costs, as seen from the page: counted by wrapping the `fetch` and `WebSocket`
 * the SDK is given (its platform injection), so the SDK itself needs no instrumentation.
 */
export class Meter {
  /** HTTP requests started (a WebSocket counts its one upgrade request). */
  requests = 0;
  /** Bytes received: response headers (estimated from the parsed header list) plus body bytes. */
  bytes = 0;
  /** Answers that carried no message: 204 (long poll timed out) and 304 (nothing new since last poll). */
  empty = 0;
  /** Messages delivered to the page. */
  messages = 0;
  /** Sum, count, last and worst of publish-to-delivery delays, ms. */
  delaySum = 0;
  delayLast = Number.NaN;
  delayMax = 0;

  /** Records one delivered message published at `sentAt` (this page's clock or the hub's). */
  delivered(sentAt: number): void {
    const delay = Math.max(0, Date.now() - sentAt);
    this.messages++;
    this.delaySum += delay;
    this.delayLast = delay;
    if (delay > this.delayMax) this.delayMax = delay;
  }

  get delayAvg(): number {
    return this.messages === 0 ? Number.NaN : this.delaySum / this.messages;
  }

  reset(): void {
    this.requests = 0;
    this.bytes = 0;
    this.empty = 0;
    this.messages = 0;
    this.delaySum = 0;
    this.delayLast = Number.NaN;
    this.delayMax = 0;
  }
}

const encoder = new TextEncoder();

/** "HTTP/1.1 200 OK\r\n", every "name: value\r\n", and the blank line. */
function headerBytes(res: Response): number {
  let n = 17 + res.statusText.length + 2;
  res.headers.forEach((value, name) => {
    n += name.length + value.length + 4;
  });
  return n;
}

/**
 * A fetch that counts requests, bytes (also of streams, as they arrive) and empty answers into `meter`.
 * The SDK gets the original response; the bytes are counted on a clone (a tee of the same stream), so
 * the SDK reads exactly what it would have read without the meter.
 */
export function meteredFetch(meter: Meter): FetchLike {
  return async (input, init) => {
    meter.requests++;
    const res = await fetch(input, init);
    meter.bytes += headerBytes(res);
    if (res.status === 204 || res.status === 304) meter.empty++;
    if (res.body !== null) void countBody(res.clone(), meter);
    return res;
  };
}

async function countBody(copy: Response, meter: Meter): Promise<void> {
  const reader = copy.body?.getReader();
  if (reader === undefined) return;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      meter.bytes += value.byteLength;
    }
  } catch {
    // The SDK aborted the request (close, reconnect): the copy ends with it.
  }
}

/** A WebSocket class that counts its upgrade as a request and every frame's payload (plus framing) as bytes. */
export function meteredWebSocket(meter: Meter): WebSocketConstructor {
  return class MeteredWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      meter.requests++;
      // The 101 answer: status line, Upgrade, Connection, Sec-WebSocket-Accept, blank line (about 130 B).
      this.addEventListener('open', () => {
        meter.bytes += 130;
      });
      this.addEventListener('message', (event: MessageEvent) => {
        const size = typeof event.data === 'string' ? encoder.encode(event.data).length : 0;
        meter.bytes += size + (size < 126 ? 2 : 4);
      });
    }
  };
}
