import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay, { type HTTPVersion } from 'find-my-way';

/** A route handler: params from the path, the parsed query. */
export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string | undefined>,
  query: URLSearchParams,
) => Promise<void> | void;

/** The outcome of matching a request. */
export type RouteMatch =
  | { kind: 'found'; handler: RouteHandler; params: Record<string, string | undefined> }
  | { kind: 'method_not_allowed'; allow: string }
  | { kind: 'not_found' };

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

/** Longest path parameter routed, characters: Node's whole header block (request line included) is 16 KiB. */
const MAX_PARAM_LENGTH = 16 * 1024;

/** Path routing on find-my-way, with 405 + Allow for a known path and a wrong method. */
export class Router {
  // A parameter longer than find-my-way's limit makes the route not match (404). Names are checked by
  // the handlers (a 129-character channel is a 400), so the limit only has to exceed any URL Node
  // accepts: its 16 KiB header limit bounds the request line too.
  private readonly router = FindMyWay<HTTPVersion.V1>({ ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH });

  /** Adds a route. */
  on(method: (typeof METHODS)[number], path: string, handler: RouteHandler): void {
    this.router.on(method, path, () => {}, { handler });
  }

  /** Matches a method and a path (without the query). */
  match(method: string, path: string): RouteMatch {
    const found = this.router.find(method as 'GET', path);
    if (found !== null) {
      const { handler } = found.store as { handler: RouteHandler };
      return { kind: 'found', handler, params: found.params };
    }
    const allowed = METHODS.filter((m) => m !== method && this.router.find(m, path) !== null);
    if (allowed.length > 0) return { kind: 'method_not_allowed', allow: [...allowed, 'OPTIONS'].join(', ') };
    return { kind: 'not_found' };
  }
}
