// What each hub under test can do, so a scenario runs the parts a peer supports and says why it
// skips the rest. Herald (CLI or library) speaks the whole contract; the others speak enough of
// it for the same load generator (publish by HTTP POST; subscribe by WebSocket, SSE, …).
import { existsSync } from 'node:fs';
import { bunMissing } from '../peers/bun.ts';
import { nchanMissing } from '../peers/nchan.ts';
import { baseBin } from './herald-build.ts';
import type { Dialect, Transport } from './ipc.ts';
import { natsMissing } from './nats.ts';
import type { BenchOptions, PeerName } from './options.ts';
import { redisMissing } from './redis.ts';

export interface PeerSpec {
  name: PeerName;
  dialect: Dialect;
  /** transports it delivers on (fan-out, latency, channels, bytes) */
  transports: readonly Transport[];
  /** transports it can hold idle (memory) */
  idle: readonly Transport[];
  /** a JSON-array batch on one channel's POST publishes several messages */
  batch: boolean;
  /** POST /v1/publish with {"messages":[{channel,data},…]} */
  multiPublish: boolean;
  /** publish over a WebSocket (`/v1/ws` op publish) */
  wsPublish: boolean;
  /** GET /v1/stats reports memory.heapUsed */
  heapStats: boolean;
  /** polling (E): GET answers with an ETag / Last-Modified and 304 to a conditional GET */
  polling: boolean;
  /** why it cannot run on this machine (software not installed, Redis not reachable), or undefined */
  missing(opts: BenchOptions): string | undefined | Promise<string | undefined>;
}

const HERALD_IDLE: readonly Transport[] = ['ws', 'sse', 'ndjson', 'longpoll', 'poll'];
const always = (): undefined => undefined;

const herald = (name: PeerName): PeerSpec => ({
  name,
  dialect: 'herald',
  // Compact frames change what a message costs on the wire, not what an idle socket holds.
  transports: [...HERALD_IDLE, 'wsc'],
  idle: HERALD_IDLE,
  batch: true,
  multiPublish: true,
  wsPublish: true,
  heapStats: true,
  polling: true,
  missing: always,
});

/** The node `ws` floors (bench/peers/raw-ws.ts): one write per frame, or corked per turn. */
const RAW_WS: PeerSpec = {
  name: 'raw-ws-per-frame',
  dialect: 'herald',
  transports: ['ws', 'sse'],
  idle: ['ws', 'sse', 'longpoll'],
  batch: true,
  multiPublish: true,
  wsPublish: false,
  heapStats: false,
  polling: false,
  missing: always,
};

export const PEER_SPECS: Record<PeerName, PeerSpec> = {
  herald: herald('herald'),
  'herald-lib': herald('herald-lib'),
  // The CLI on the Redis engine (scenario R): one process, and two workers behind one port.
  'herald-redis': { ...herald('herald-redis'), missing: (opts) => redisMissing(opts.redis) },
  // Each worker answers /v1/stats about itself: the heap of the whole hub is not one request away.
  'herald-redis-w2': { ...herald('herald-redis-w2'), heapStats: false, missing: (opts) => redisMissing(opts.redis) },
  // The CLI on the NATS JetStream engine (scenario R): one process.
  'herald-nats': { ...herald('herald-nats'), missing: (opts) => natsMissing(opts.nats) },
  'herald-base': {
    ...herald('herald-base'),
    missing: (opts) => {
      if (opts.heraldBase === undefined) return 'needs --herald-base <built checkout>';
      const bin = baseBin(opts.heraldBase);
      return existsSync(bin) ? undefined : `${bin} not found: run \`npm ci && npm run build\` in that checkout`;
    },
  },
  'raw-ws-per-frame': RAW_WS,
  // The same floor, its sockets corked per event-loop turn (docs/performance.md "Peers"): the strongest Node baseline.
  'raw-ws-corked': { ...RAW_WS, name: 'raw-ws-corked' },
  socketio: {
    name: 'socketio',
    dialect: 'socketio',
    transports: ['ws'],
    idle: ['ws'],
    batch: true,
    multiPublish: true,
    wsPublish: false,
    heapStats: false,
    polling: false,
    missing: always,
  },
  nchan: {
    name: 'nchan',
    dialect: 'nchan',
    transports: ['ws', 'sse', 'longpoll', 'poll'],
    idle: ['ws', 'sse', 'longpoll'],
    batch: false,
    multiPublish: false,
    wsPublish: false,
    heapStats: false,
    polling: true,
    missing: nchanMissing,
  },
  // Bun.serve's WebSocket pub/sub (bench/peers/bun-server.ts): WebSocket only, same publish URLs as the floors.
  bun: {
    name: 'bun',
    dialect: 'herald',
    transports: ['ws'],
    idle: ['ws'],
    batch: true,
    multiPublish: true,
    wsPublish: false,
    heapStats: false,
    polling: false,
    missing: (opts) => bunMissing(opts.bun),
  },
  'http-floor': {
    name: 'http-floor',
    dialect: 'herald',
    transports: [],
    idle: [],
    batch: false,
    multiPublish: false,
    wsPublish: false,
    heapStats: false,
    polling: true,
    missing: always,
  },
};

/** The URL a subscriber of `transport` opens for `channel` on this peer. */
export function subscribeUrl(peer: PeerSpec, origin: string, channel: string, transport: Transport): string {
  const path = `/v1/channels/${channel}/messages`;
  if (peer.dialect === 'nchan' && transport === 'longpoll') return `${origin}/lp${path}`;
  if (peer.dialect === 'nchan' && transport === 'poll') return `${origin}/poll${path}`;
  return `${origin}${path}`;
}

/** The URL a publisher POSTs to for `channel`. */
export function publishUrl(origin: string, channel: string): string {
  return `${origin}/v1/channels/${channel}/messages`;
}
