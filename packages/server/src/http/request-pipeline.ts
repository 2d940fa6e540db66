import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError } from '@herald/core';
import type { Logger } from 'pino';
import type { Authenticator, Principal } from '../auth/authenticator.ts';
import { withCaller } from '../auth/with-caller.ts';
import type { Router } from '../router.ts';
import type { ServerStats } from '../stats.ts';
import type { Cors } from './cors.ts';
import { redact } from './redact.ts';
import { messagesChannel, splitTarget } from './request-target.ts';
import { sendError } from './respond.ts';

/** What a request passes through before its handler. */
export interface PipelineDeps {
  readonly router: Router;
  readonly auth: Authenticator;
  readonly cors: Cors;
  readonly stats: ServerStats;
  readonly logger: Logger;
  /**
   * Answers a GET it recognizes without routing (the plain poll: transports/poll.ts), or returns false
   * having done nothing. It sets no CORS headers: an error it throws or rejects with gets them here.
   */
  readonly shortcut?: (req: IncomingMessage, res: ServerResponse) => Promise<void> | boolean;
  /**
   * The handler of `POST /v1/channels/{channel}/messages`, a single publish (the request of a
   * many-channel publisher). A POST to exactly that URL (a valid channel name, no query) goes to it
   * without the router, with the route's CORS check and headers, credentials and error answers; any
   * other form of it (a query, percent-encoding, a trailing `/`) is routed as usual.
   */
  readonly publish?: (
    req: IncomingMessage,
    res: ServerResponse,
    channel: string,
    principal: Principal,
  ) => Promise<void> | void;
}

/** What the shortcut did with a request (see tookShortcut). */
type Shortcut = 0 | 1 | 2;
const NOT_TAKEN = 0;
const ANSWERED = 1;
const PENDING = 2;

/** The request handler and the count of requests still in flight (the shutdown waits for them). */
export interface RequestPipeline {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  inFlight(): number;
}

/**
 * Every HTTP request: target, CORS (preflight, origin, headers), route, the access the route declares
 * (credentials read before the handler for `caller` routes), then the handler; errors become answers.
 */
export function createRequestPipeline({
  router,
  auth,
  cors,
  stats,
  logger,
  shortcut,
  publish,
}: PipelineDeps): RequestPipeline {
  let inFlight = 0;
  // One shared listener (no closure per request: it would keep this request's URL and route match
  // alive for as long as a stream stays open). A response closes after it finishes, or when it is cut
  // short; only finished ones are counted as answered.
  function onClose(this: ServerResponse): void {
    inFlight--;
    if (this.writableFinished) stats.countRequest(this.statusCode);
  }

  function track(res: ServerResponse): void {
    inFlight++;
    res.on('close', onClose);
  }

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    if (shortcut !== undefined && req.method === 'GET') {
      const taken = tookShortcut(shortcut, req, res);
      if (taken === ANSWERED) {
        // Answered before the handler returned (the usual poll): nothing left in flight, and no listener
        // to add per request. Counted once ended: all of it is handed to the socket.
        if (res.writableEnded) stats.countRequest(res.statusCode);
        return;
      }
      track(res);
      if (taken === PENDING) return;
    } else {
      track(res);
      const channel = publish !== undefined && req.method === 'POST' ? messagesChannel(req.url) : undefined;
      if (publish !== undefined && channel !== undefined) {
        publishUnrouted(req, res, channel, publish);
        return;
      }
    }
    const target = splitTarget(req.url);
    if (target === undefined) {
      sendError(res, new HeraldError('bad_request', 'invalid URL'));
      return;
    }
    if (req.method === 'OPTIONS') {
      cors.preflight(req, res);
      return;
    }
    if (!corsAdmits(req, res)) return;
    const match = router.match(req.method ?? 'GET', target.path);
    if (match.kind === 'not_found') {
      sendError(res, new HeraldError('not_found', `no route ${target.path}`));
      return;
    }
    if (match.kind === 'method_not_allowed') {
      sendError(res, new HeraldError('method_not_allowed'), { allow: match.allow });
      return;
    }
    const { route, params } = match;
    const query = target.query;
    route.prepare?.(res);
    // Called directly, not in a promise: handlers that can answer at once (a 304 poll) do so.
    let pending: Promise<void> | void;
    try {
      if (route.access === 'public') pending = route.handler(req, res, params, query);
      else pending = withCaller(auth, req, query, (principal) => route.handler(req, res, params, query, principal));
    } catch (error) {
      failRequest(req, res, error);
      return;
    }
    pending?.catch((error: unknown) => failRequest(req, res, error));
  }

  /** A single publish without the router: what the routed request would go through from the CORS check on. */
  function publishUnrouted(
    req: IncomingMessage,
    res: ServerResponse,
    channel: string,
    handler: NonNullable<PipelineDeps['publish']>,
  ): void {
    if (!corsAdmits(req, res)) return;
    let pending: Promise<void> | void;
    try {
      pending = withCaller(auth, req, undefined, (principal) => handler(req, res, channel, principal));
    } catch (error) {
      failRequest(req, res, error);
      return;
    }
    pending?.catch((error: unknown) => failRequest(req, res, error));
  }

  /**
   * The origin check, then the CORS headers every answer carries (errors included, so a browser can
   * read a 404 or 405). False when the origin was refused: that answer is sent.
   */
  function corsAdmits(req: IncomingMessage, res: ServerResponse): boolean {
    try {
      cors.assertAllowed(req, res);
    } catch (error) {
      sendError(res, error);
      return false;
    }
    cors.apply(req, res);
    return true;
  }

  /**
   * Whether `shortcut` took the request: ANSWERED when it answered (or failed and the error was
   * answered) before returning, PENDING when it will, NOT_TAKEN when the request is to be routed.
   */
  function tookShortcut(
    shortcut: NonNullable<PipelineDeps['shortcut']>,
    req: IncomingMessage,
    res: ServerResponse,
  ): Shortcut {
    let answered: Promise<void> | boolean;
    try {
      answered = shortcut(req, res);
    } catch (error) {
      failShortcut(req, res, error);
      return ANSWERED;
    }
    if (answered === false) return NOT_TAKEN;
    if (answered === true) return ANSWERED;
    answered.catch((error: unknown) => failShortcut(req, res, error));
    return PENDING;
  }

  /** An error answer of the shortcut, with the CORS headers the route's would carry. */
  function failShortcut(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    if (!res.headersSent) cors.apply(req, res);
    failRequest(req, res, error);
  }

  function failRequest(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    if (!(error instanceof HeraldError)) logger.error({ err: error, url: redact(req.url) }, 'request failed');
    sendError(res, error);
  }

  return { handleRequest, inFlight: () => inFlight };
}
