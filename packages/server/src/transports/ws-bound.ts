import type { Duplex } from 'node:stream';
import type { ResetNotice } from '@herald/core';
import { COMPACT_PROTOCOL, type Cursor, formatCursor, type ResetLine } from '@herald/protocol';
import type { RawData, WebSocket } from 'ws';
import type { Principal } from '../auth/authenticator.ts';
import { wsFramer } from '../internals/index.ts';
import { compactBoundFrame } from './ws-compact.ts';
import { type SocketContext, WsConnection } from './ws-connection.ts';

const frame = wsFramer((m) => m.toJson());
const resetFrame = (n: ResetNotice): string =>
  JSON.stringify({ reset: { channel: n.channel, epoch: n.epoch, from: n.from } } satisfies ResetLine);

/**
 * A bound socket's frames: only `{"op":"ping"}` (shared by every bound socket: no closure each).
 * `ref` is echoed back as the client sent it, whatever JSON it is, so pong and error are written
 * here rather than as a protocol `ServerOp` (whose `ref` is a number or a string).
 */
function onFrame(conn: WsConnection, data: RawData, isBinary: boolean): void {
  if (!conn.admit()) return;
  const text = isBinary ? '' : data.toString();
  let ref: unknown;
  try {
    const op = JSON.parse(text) as { op?: unknown; ref?: unknown };
    ref = op.ref;
    if (op.op === 'ping') {
      conn.send(JSON.stringify({ op: 'pong', ref }));
      return;
    }
  } catch {
    // Falls through to the error below.
  }
  conn.send(JSON.stringify({ op: 'error', ref, code: 'bad_request', message: 'a bound socket accepts only ping' }));
}

/**
 * A WebSocket bound to one channel (`GET /v1/channels/{ch}/messages` + Upgrade): frames are the NDJSON
 * objects (first `subscribed`, then messages and resets). The client may only send `{"op":"ping"}`.
 */
export async function serveBoundSocket(
  ctx: SocketContext,
  ws: WebSocket,
  socket: Duplex,
  channel: string,
  cursor: Cursor | undefined,
  principal: Principal,
): Promise<void> {
  const framer = ws.protocol === COMPACT_PROTOCOL ? compactBoundFrame : frame;
  const conn = new WsConnection(ctx, ws, socket, framer, resetFrame, principal, onFrame);
  await conn.subscriptions.add(channel, conn, cursor, (p) =>
    conn.sendFrame({
      subscribed: { channel, epoch: p.epoch, cursor: formatCursor({ epoch: p.epoch, offset: p.last }) },
    }),
  );
}
