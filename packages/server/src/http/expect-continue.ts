import type { IncomingMessage, ServerResponse } from 'node:http';

/** Answers whose `100 Continue` is still owed: the request said `Expect: 100-continue` and the hub took it over. */
const owed = new WeakSet<ServerResponse>();

/**
 * A listener for node:http's `'checkContinue'` event. Without one, node:http answers every
 * `Expect: 100-continue` with `100 Continue` before any handler runs, so a client that may not write
 * sends its whole body (a blob upload: up to `maxBlobBytes`) only to get a 401 after it. With this
 * listener the request goes to `handleRequest` as usual, and the `100 Continue` is sent only by
 * {@link acceptBody}, which body readers call once the request is authorized and its headers accepted.
 * An answer given without it (401, 403, 413, 415) is final: the client never sends the body, and
 * node:http closes the connection after it (the body it would have sent can no longer be told apart
 * from the next request).
 */
export function deferContinue(
  handleRequest: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    owed.add(res);
    handleRequest(req, res);
  };
}

/**
 * Says `100 Continue` if the client is waiting for it (the request came through {@link deferContinue}),
 * once. Every handler that reads a request body calls this right before reading; elsewhere it does
 * nothing (node:http already sent it, or the client did not ask).
 */
export function acceptBody(res: ServerResponse): void {
  if (!owed.delete(res) || res.headersSent) return;
  res.writeContinue();
}
