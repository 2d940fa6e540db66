import { reconnectAdvice } from '@herald/protocol';
import { errorBody } from '../http.ts';
import type { Session } from './session.ts';

/** How a connection ended, and so what the loop does next. */
export interface Ending {
  /** `now`: reconnect (after `delayMs`); `backoff`: reconnect with growing delays; `never`: give up. */
  readonly advice: 'now' | 'backoff' | 'never';
  readonly reason: string;
  readonly delayMs?: number;
}

/** Where and how to connect. */
export interface Target {
  readonly url: string;
  readonly apiKey: string | undefined;
}

/** One connection of one transport: resolves when it ends (or when the session stops). */
export type Connect = (session: Session, target: Target) => Promise<Ending>;

/** A close code (WebSocket close, final stream event) as an ending. */
export function closeEnding(code: number, reason: string): Ending {
  return { advice: reconnectAdvice(code), reason: `closed ${code}${reason === '' ? '' : ` (${reason})`}` };
}

/** A non-2xx answer: client errors stop the run (they will not change by retrying), the rest back off. */
export async function httpEnding(res: Response): Promise<Ending> {
  const transient = res.status >= 500 || res.status === 408 || res.status === 429;
  return { advice: transient ? 'backoff' : 'never', reason: `HTTP ${res.status} ${await errorBody(res)}` };
}

/** Splits a byte stream into lines (LF or CRLF), the last partial line held until more arrives. */
export async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let nl = pending.indexOf('\n');
      while (nl !== -1) {
        yield pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
      }
    }
  } finally {
    // Also when the consumer stops early (a close line): cancelling releases the connection.
    reader.cancel().catch(() => {});
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
