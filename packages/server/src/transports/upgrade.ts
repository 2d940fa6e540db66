import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { HeraldError } from '@herald/core';
import { type Cursor, ERROR_CATALOG } from '@herald/protocol';
import { WebSocketServer } from 'ws';
import type { Principal } from '../auth/authenticator.ts';
import { channelParam, cursorParam, parseUrl } from '../http/query.ts';
import { refuseUpgrade, toHeraldError } from '../http/respond.ts';
import { forgetPeer, HERALD_WEBSOCKET_OPTIONS } from '../internals/index.ts';
import { Router } from '../router.ts';
import type { TransportContext } from './transport.ts';
import { serveBoundSocket } from './ws-bound.ts';
import { selectProtocol } from './ws-compact.ts';
import { muxSockets } from './ws-mux.ts';

/** The two WebSocket endpoints: multiplexed (`/v1/ws`) and bound to the channel of its path. */
export type SocketEndpoint = 'mux' | 'bound';

/** The WebSocket route table (contract section 6), matched like the HTTP routes (routes.ts). */
export function socketRoutes(): Router<SocketEndpoint> {
  const router = new Router<SocketEndpoint>();
  router.on('GET', '/v1/ws', 'mux');
  router.on('GET', '/v1/channels/:channel/messages', 'bound');
  return router;
}

/** Shared by every upgrading socket (a closure each would live as long as the socket). */
function ignoreError(): void {}

/**
 * The server's 'upgrade' handler: WebSocket on `/v1/ws` (multiplexed) and on
 * `/v1/channels/{ch}/messages` (bound). Everything is checked (draining, origin, route, credentials,
 * cursor, per-address limit) before the 101; a refusal is an HTTP error answer on the raw socket.
 */
export function createUpgradeHandler(
  ctx: TransportContext,
  sockets: Router<SocketEndpoint>,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: ctx.options.maxFrameBytes,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: selectProtocol,
    // Hands ws's events to the connection without per-socket listeners, and answers pings without a
    // callback per socket (internals/herald-websocket.ts).
    ...(ctx.internals ? HERALD_WEBSOCKET_OPTIONS : {}),
  });
  const serveMuxSocket = muxSockets(ctx);

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Until ws takes the socket (it adds its own 'error' listener), an error must not crash the process.
    socket.on('error', ignoreError);
    upgrade(req, socket, head).catch((error: unknown) => refuseUpgrade(socket, error));
  }

  /** Checks an upgrade (draining, origin, route, credentials, cursor) before accepting it. */
  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (ctx.draining()) throw new HeraldError('unavailable', 'the hub is shutting down', 1);
    if (!ctx.cors.allows(req.headers.origin)) throw new HeraldError('forbidden', 'origin not allowed');
    const url = parseUrl(req.url);
    const query = url.searchParams;
    const match = sockets.match('GET', url.pathname);
    if (match.kind !== 'found') throw new HeraldError('not_found', 'no WebSocket endpoint here');
    const bound = match.route === 'bound';
    const client = ctx.hooks.active ? ctx.hooks.clientOf(req) : undefined;
    // Both endpoints act for a caller: the credentials are read before anything else of the request.
    let principal = await ctx.auth.authenticate(req, query);
    if (client !== undefined) {
      // Backend hooks: a client without credentials may get rights from a connect hook; later ops
      // of a multiplexed socket call hooks with the details of this request.
      principal = ctx.hooks.guest(principal, client);
      ctx.hooks.remember(socket, client);
    }
    if (socket.destroyed) return;
    if (!bound) {
      holdConnection(req, socket);
      acceptMux(req, socket, head, principal);
      return;
    }
    const channel = channelParam(match.params.channel);
    const cursor = cursorParam(query.get('after') ?? undefined);
    const settings = ctx.hub.settings(channel);
    if (client !== undefined) await ctx.hooks.connect(principal, settings);
    principal.assertSubscribe(channel, settings);
    if (client !== undefined) await ctx.hooks.checkSubscribe(principal, client, channel, settings);
    if (socket.destroyed) return;
    holdConnection(req, socket);
    acceptBound(req, socket, head, channel, cursor, principal);
  }

  /** Counts a WebSocket against its address's connection limit (429 beyond) until its socket closes. */
  function holdConnection(req: IncomingMessage, socket: Duplex): void {
    ctx.limits.holdSocket(socket, ctx.limits.address(req));
  }

  /** ws listens for the socket's errors once it has the socket: the one added before it goes (~64 bytes). */
  function taken(socket: Duplex): void {
    socket.off('error', ignoreError);
    if (ctx.internals) forgetPeer(socket as Socket);
  }

  // The accept functions are separate so the socket's callbacks close over what they use only, not
  // over the upgrade request and its headers (which would then live as long as the socket).
  function acceptMux(req: IncomingMessage, socket: Duplex, head: Buffer, principal: Principal): void {
    wss.handleUpgrade(req, socket, head, (ws) => {
      taken(socket);
      serveMuxSocket(ws, socket, principal);
    });
  }

  function acceptBound(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    channel: string,
    cursor: Cursor | undefined,
    principal: Principal,
  ): void {
    wss.handleUpgrade(req, socket, head, (ws) => {
      taken(socket);
      serveBoundSocket(ctx, ws, socket, channel, cursor, principal).catch((error: unknown) => {
        const e = toHeraldError(error);
        if (e.code === 'internal') ctx.logger.error({ err: error }, 'bound socket failed');
        ws.close(ERROR_CATALOG[e.code].close, e.message.slice(0, 120));
      });
    });
  }

  return handleUpgrade;
}
