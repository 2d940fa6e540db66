/**
 * Herald client SDK for Node.js 20: like the default entry, but WebSockets come from the `ws`
 * package (Node 20 has no global WebSocket) and carry the token in an `Authorization` header
 * instead of the URL. SSE, NDJSON and polling use Node's global fetch.
 */
import { COMPACT_PROTOCOL } from '@herald/protocol';
import WebSocket from 'ws';
import { HeraldClient } from './client.ts';
import { loadBundled } from './on-demand-bundled.ts';
import type { ConnectOptions } from './options.ts';
import { globalPlatform, type WebSocketLike } from './platform.ts';
import { ALL_TRANSPORTS } from './transports/kit.ts';
import { eventsourceParser } from './transports/sse-parser.ts';

export * from './api.ts';

/** Connects to a Herald hub from Node.js (see the default entry's `connect`). */
export function connect(url: string, options: ConnectOptions = {}): HeraldClient {
  const platform = globalPlatform(options, ALL_TRANSPORTS, loadBundled, eventsourceParser);
  if (options.WebSocket === undefined) {
    platform.openWebSocket = (address, token): WebSocketLike =>
      new WebSocket(
        address,
        COMPACT_PROTOCOL,
        token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
      );
  }
  return new HeraldClient(url, options, platform);
}
