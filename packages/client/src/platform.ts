import { COMPACT_PROTOCOL } from '@herald/protocol';
import type { LoadOnDemand } from './on-demand.ts';
import type { TransportKit } from './transports/kit.ts';

/**
 * The slice of a WebSocket the SDK uses: the browser's `WebSocket` and the `ws` package both fit.
 * Handlers take `never` so that both platforms' own event types are accepted; the SDK reads only
 * `data` (message), `code` and `reason` (close).
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: never) => unknown) | null;
  onmessage: ((event: never) => unknown) | null;
  onclose: ((event: never) => unknown) | null;
  onerror: ((event: never) => unknown) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor such as the browser's global `WebSocket`. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The slice of an EventSource the SDK uses (browser global or the `eventsource` package). */
export interface EventSourceLike {
  onopen: ((event: never) => unknown) | null;
  onerror: ((event: never) => unknown) | null;
  onmessage: ((event: never) => unknown) | null;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

/** An EventSource constructor such as the browser's global `EventSource`. */
export type EventSourceConstructor = new (url: string) => EventSourceLike;

/** A fetch implementation (the global one by default). */
export type FetchLike = typeof fetch;

/** One Server-Sent Event: its `event` and `id` fields (when given) and its joined `data` lines. */
export interface SseEvent {
  event?: string | undefined;
  data: string;
  id?: string | undefined;
}

/**
 * Creates a push parser for one event stream: feed it decoded text; it calls `onEvent` per event and
 * `onOther` for comments and `retry:` (the hub's heartbeats, which only feed the watchdog).
 */
export type SseParserFactory = (onEvent: (event: SseEvent) => void, onOther: () => void) => (text: string) => void;

/** The platform APIs a client runs on, resolved once at connect time. */
export interface Platform {
  fetch: FetchLike | undefined;
  /** Opens a WebSocket, putting the token in a header where the platform allows, else in `?token=`. */
  openWebSocket: ((url: string, token: string | undefined) => WebSocketLike) | undefined;
  EventSource: EventSourceConstructor | undefined;
  /** Parses SSE read through fetch (entries differ: the browser bundle carries a smaller one). */
  sseParser: SseParserFactory | undefined;
  /** The transports the entry carries (all of them, or one in the `websocket` and `sse` entries). */
  kit: TransportKit;
  /** The code a WebSocket client seldom runs: bundled, or loaded when first needed (on-demand.ts). */
  onDemand: LoadOnDemand;
}

/** Options naming platform APIs explicitly (tests, old browsers, React Native, Node without globals). */
export interface PlatformOptions {
  WebSocket?: WebSocketConstructor;
  EventSource?: EventSourceConstructor;
  fetch?: FetchLike;
}

/** Adds `?token=` for APIs that cannot send headers (contract section 7). */
export function withToken(url: string, token: string | undefined): string {
  if (token === undefined) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

/** Builds a platform from explicit options, falling back to the globals of the current runtime. */
export function globalPlatform(
  options: PlatformOptions,
  transports: TransportKit,
  onDemand: LoadOnDemand,
  sseParser?: SseParserFactory,
): Platform {
  const g = globalThis as { WebSocket?: WebSocketConstructor; fetch?: FetchLike };
  const WS = options.WebSocket ?? g.WebSocket;
  // Bound: a browser throws "Illegal invocation" when fetch is called as another object's method.
  const f = options.fetch ?? g.fetch?.bind(globalThis);
  return {
    fetch: f,
    // Offers compact message frames; a hub (or an injected class) that does not take them up sends the default ones.
    openWebSocket: WS && ((url, token) => new WS(withToken(url, token), COMPACT_PROTOCOL)),
    // Only used when given: the fetch-based reader sees heartbeats, which EventSource hides.
    EventSource: options.EventSource,
    sseParser,
    kit: transports,
    onDemand,
  };
}

/** True when fetch can stream a response body (needed by the SSE and NDJSON readers). */
export function canStream(platform: Platform): boolean {
  return !!platform.fetch && typeof ReadableStream !== 'undefined' && typeof TextDecoder !== 'undefined';
}
