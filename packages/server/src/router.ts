import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay, { type HTTPVersion } from 'find-my-way';
import type { Principal } from './auth/authenticator.ts';

/** Path parameters of a matched route. */
export type RouteParams = Record<string, string | undefined>;

/** A handler anyone may call: the request pipeline reads no credentials for it. */
export type PublicHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: RouteParams,
  query: URLSearchParams,
) => Promise<void> | void;

/** A handler that acts for a caller: the pipeline authenticates the request first and hands it the principal. */
export type CallerHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: RouteParams,
  query: URLSearchParams,
  principal: Principal,
) => Promise<void> | void;

/**
 * A route of the HTTP API and the access it needs. `public`: no credentials are read (health, metrics,
 * pages). `caller`: the credentials are checked before the handler runs (a wrong key is a 401 there);
 * what the caller may do with a channel is the handler's to decide, since rights are per channel.
 */
export type Route = (
  | { readonly access: 'public'; readonly handler: PublicHandler }
  | { readonly access: 'caller'; readonly handler: CallerHandler }
) & {
  /** Headers every answer of the route carries, errors included (set before the credentials are read). */
  readonly prepare?: (res: ServerResponse) => void;
};

/** The outcome of matching a request. */
export type RouteMatch<R> =
  | { kind: 'found'; route: R; params: RouteParams }
  | { kind: 'method_not_allowed'; allow: string }
  | { kind: 'not_found' };

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

/** Longest path parameter routed, characters: Node's whole header block (request line included) is 16 KiB. */
const MAX_PARAM_LENGTH = 16 * 1024;

/**
 * Path routing on find-my-way, with 405 + Allow for a known path and a wrong method. Generic over
 * what a route carries: the HTTP API's {@link Route}s, or the WebSocket endpoints (transports/upgrade.ts).
 */
export class Router<R = Route> {
  // A parameter longer than find-my-way's limit makes the route not match (404). Names are checked by
  // the handlers (a 129-character channel is a 400), so the limit only has to exceed any URL Node
  // accepts: its 16 KiB header limit bounds the request line too.
  private readonly router = FindMyWay<HTTPVersion.V1>({ ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH });

  /** Adds a route. */
  on(method: (typeof METHODS)[number], path: string, route: R): void {
    this.router.on(method, path, () => {}, { route });
  }

  /** Matches a method and a path (without the query). */
  match(method: string, path: string): RouteMatch<R> {
    const found = this.router.find(method as 'GET', path);
    if (found !== null) {
      const { route } = found.store as { route: R };
      return { kind: 'found', route, params: found.params };
    }
    const allowed = METHODS.filter((m) => m !== method && this.router.find(m, path) !== null);
    if (allowed.length > 0) return { kind: 'method_not_allowed', allow: [...allowed, 'OPTIONS'].join(', ') };
    return { kind: 'not_found' };
  }
}
