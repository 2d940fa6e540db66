/**
 * The one switch for every use of Node and ws internals in this folder (release-http.ts,
 * held-reply.ts, ws-frame.ts, herald-websocket.ts, whole-head.ts, direct-write.ts). On by default; off with the
 * server option `nodeInternals: false` or the environment variable HERALD_NO_INTERNALS=1, and the
 * server then behaves as plain node:http and ws do: responses stay on node:http while they stream or
 * are held, pull answers' heads go through writeHead, and WebSocket frames go
 * through `ws.send` and ws's own listeners. The results are the same; only memory per connection and
 * CPU per delivery or request differ. CI runs the transport suite both ways
 * (vitest.config.ts, project `no-internals`), so a Node or ws upgrade that breaks an internal shows.
 */
export function useInternals(option: boolean | undefined): boolean {
  return option ?? process.env.HERALD_NO_INTERNALS !== '1';
}
