import { type IncomingMessage, request } from 'node:http';
import { EventSource, type FetchLike } from 'eventsource';
import { createParser } from 'eventsource-parser';
import { type ClientOptions, WebSocket } from 'ws';
import { Inbox } from './inbox.ts';

/** One thing read from an SSE stream, as a WHATWG parser sees it. */
export type SseFrame =
  | { kind: 'event'; id: string | undefined; event: string | undefined; data: string }
  | { kind: 'comment'; text: string }
  | { kind: 'retry'; ms: number };

/** An open HTTP stream read with `fetch`. */
export interface FetchStream<T> {
  readonly response: Response;
  /** Parsed frames (SSE) or lines (NDJSON, empty lines included). */
  readonly frames: Inbox<T>;
  /** Everything received, as text. */
  raw(): string;
  /** Aborts the request (the client goes away). */
  close(): void;
}

/** Opens an SSE stream with `fetch` and parses it with eventsource-parser (the WHATWG algorithm). */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<FetchStream<SseFrame>> {
  const frames = new Inbox<SseFrame>();
  const parser = createParser({
    onEvent: (e) => frames.push({ kind: 'event', id: e.id, event: e.event, data: e.data }),
    onComment: (text) => frames.push({ kind: 'comment', text }),
    onRetry: (ms) => frames.push({ kind: 'retry', ms }),
  });
  return openFetchStream(url, { accept: 'text/event-stream', ...headers }, frames, (text) => parser.feed(text));
}

/** Opens an NDJSON stream with `fetch`; every line (heartbeats are empty lines) is one frame. */
export function openNdjson(url: string, headers: Record<string, string> = {}): Promise<FetchStream<string>> {
  const frames = new Inbox<string>();
  let partial = '';
  return openFetchStream(url, { accept: 'application/x-ndjson', ...headers }, frames, (text) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) frames.push(line);
  });
}

async function openFetchStream<T>(
  url: string,
  headers: Record<string, string>,
  frames: Inbox<T>,
  feed: (text: string) => void,
): Promise<FetchStream<T>> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  let raw = '';
  const stream: FetchStream<T> = {
    response,
    frames,
    raw: () => raw,
    close: () => {
      abort.abort();
      frames.end(new Error('closed by the client'));
    },
  };
  if (response.status !== 200 || response.body === null) {
    frames.end(new Error(`status ${response.status}`));
    return stream;
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      raw += value;
      feed(value);
    }
    frames.end(new Error('the server ended the stream'));
  })().catch((error: unknown) => frames.end(error instanceof Error ? error : new Error(String(error))));
  return stream;
}

/** A WebSocket client whose text frames are parsed as JSON objects. */
export interface WsClient {
  readonly ws: WebSocket;
  readonly frames: Inbox<Record<string, unknown>>;
  /** Resolves with the close code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  send(value: unknown): void;
  /** Closes (1000) and waits for the close; cuts the socket if the server does not answer soon. */
  close(): Promise<void>;
}

/** Opens a WebSocket and resolves once it is open (rejects with the HTTP status if the upgrade is refused). */
export function openWs(url: string, options: ClientOptions = {}, protocols: string[] = []): Promise<WsClient> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), protocols, options);
  const frames = new Inbox<Record<string, unknown>>();
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? '' : data.toString();
    frames.push(JSON.parse(text) as Record<string, unknown>);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      frames.end(new Error(`socket closed ${code}`));
      resolve({ code, reason: reason.toString() });
    });
  });
  const client: WsClient = {
    ws,
    frames,
    closed,
    send: (value) => ws.send(typeof value === 'string' ? value : JSON.stringify(value)),
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close(1000);
      const timer = setTimeout(() => ws.terminate(), 1_000);
      await closed;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(new Error(`upgrade refused: ${res.statusCode}`));
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** An HTTP stream read with node:http, so that the test can stop reading (a slow consumer). */
export interface PausableStream {
  readonly res: IncomingMessage;
  /** Lines received (text split on LF). */
  readonly lines: Inbox<string>;
  /** Stops reading: the kernel buffers fill and the server's send buffer grows. */
  pause(): void;
  /** Reads again: a paused socket never sees the peer's close until it reads. */
  resume(): void;
  close(): void;
}

/** Opens a GET with `accept` through node:http and splits the body into lines. */
export function openPausable(url: string, accept: string): Promise<PausableStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept } }, (res) => {
      const lines = new Inbox<string>();
      let partial = '';
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        const parts = (partial + text).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) lines.push(line);
      });
      res.on('end', () => lines.end(new Error('the server ended the stream')));
      res.on('error', (error) => lines.end(error));
      res.on('close', () => lines.end(new Error('connection closed')));
      resolve({
        res,
        lines,
        pause: () => res.pause(),
        resume: () => res.resume(),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** What a browser-like EventSource dispatched. */
export interface EsEvent {
  type: string;
  data: string;
  lastEventId: string;
}

/** A real (WHATWG) EventSource, with the headers of every request it made. */
export interface EventSourceClient {
  readonly es: EventSource;
  /** `message` events and the named events listed at open, in order. */
  readonly events: Inbox<EsEvent>;
  /** Headers of each request (the first connect and every reconnect). */
  readonly requests: Array<Record<string, string>>;
  /** How many times it opened. */
  opens(): number;
  close(): void;
}

/** Opens an EventSource (the `eventsource` package) listening to `message` and `names`. */
export function openEventSource(url: string, names: readonly string[] = []): EventSourceClient {
  const requests: Array<Record<string, string>> = [];
  const recordingFetch: FetchLike = (input, init) => {
    requests.push({ ...init.headers });
    return fetch(input, init);
  };
  const es = new EventSource(url, { fetch: recordingFetch });
  const events = new Inbox<EsEvent>();
  let opens = 0;
  es.addEventListener('open', () => {
    opens++;
  });
  for (const type of ['message', ...names]) {
    es.addEventListener(type, (e: MessageEvent) =>
      events.push({ type, data: String(e.data), lastEventId: e.lastEventId }),
    );
  }
  return {
    es,
    events,
    requests,
    opens: () => opens,
    close: () => {
      es.close();
      events.end(new Error('closed by the client'));
    },
  };
}
