// Node and ws internals, fenced: everything here reaches past a documented API for memory or CPU,
// and everything here turns off with one switch (switch.ts).
export { DirectSends, DirectWrite, loadSendMany, type SendMany } from './direct-write.ts';
export { forgetPeer } from './forget-peer.ts';
export { HeldReply } from './held-reply.ts';
export { HERALD_WEBSOCKET_OPTIONS, HeraldWebSocket, handEvents, type SocketEvents } from './herald-websocket.ts';
export { ReleasedResponse } from './release-http.ts';
export { useInternals } from './switch.ts';
export { writeWholeHead } from './whole-head.ts';
export { type WsFramer, wsFramer } from './ws-frame.ts';
