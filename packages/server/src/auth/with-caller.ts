import type { IncomingMessage } from 'node:http';
import type { Authenticator, Principal } from './authenticator.ts';

/**
 * Runs `then` with the request's principal: at once when the credentials can be checked at once (an
 * API key, none), after the check otherwise (a JWT). So a poll with a key or none takes no promise
 * at all. Throws (or rejects) 400/401 as the authenticator does. `query` undefined: the target has none.
 */
export function withCaller<T>(
  auth: Authenticator,
  req: IncomingMessage,
  query: URLSearchParams | undefined,
  then: (principal: Principal) => T,
): T | Promise<Awaited<T>> {
  const principal = auth.authenticate(req, query);
  if (principal instanceof Promise) return principal.then(then) as Promise<Awaited<T>>;
  return then(principal);
}
