import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Resolves true once `res` has its socket, false if the request is gone first. node:http gives a
 * request pipelined behind another (HTTP/1.1 on one connection) its socket only when the answers
 * before it are written; a stream, which writes to the socket itself, must wait for that.
 */
export function socketAssigned(req: IncomingMessage, res: ServerResponse): Promise<boolean> | true {
  if (res.socket !== null) return true;
  return new Promise((resolve) => {
    const assigned = (): void => {
      req.off('close', gone);
      resolve(true);
    };
    const gone = (): void => {
      res.off('socket', assigned);
      resolve(false);
    };
    res.once('socket', assigned);
    req.once('close', gone);
  });
}
