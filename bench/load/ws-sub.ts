// One WebSocket subscriber bound to a channel URL (contract section 6); Nchan's WebSocket
// subscriber sends the published body as one text frame, so the same client serves it. `ws` does
// the handshake; once open, the frames are read by ws-frames.ts straight from the socket, which
// costs the load core a fraction of what `ws`'s receiver and one 'message' event per frame cost.
import type { Socket } from 'node:net';
import { COMPACT_PROTOCOL } from '@herald/protocol';
import WebSocket from 'ws';
import type { Closable, OpenSpec } from './open-spec.ts';
import { sentAtIn } from './timestamp.ts';
import { readFrames } from './ws-frames.ts';

/** Resolves once the socket is open; rejects on handshake error or timeout. */
export function openWs(spec: OpenSpec): Promise<Closable> {
  return open(spec, 'ws');
}

/** The same, offering Herald's compact message frames (subprotocol herald.compact). */
export function openWsCompact(spec: OpenSpec): Promise<Closable> {
  return open(spec, 'wsc');
}

function open({ url, localAddress, timeoutMs, tally }: OpenSpec, transport: 'ws' | 'wsc'): Promise<Closable> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), transport === 'wsc' ? [COMPACT_PROTOCOL] : [], {
      localAddress,
      handshakeTimeout: timeoutMs,
      // The hub decides compression; the bench offers none so every peer sends the same bytes.
      perMessageDeflate: false,
      // Valid UTF-8 is the server's job; checking it here would only cost load-generator CPU.
      skipUTF8Validation: true,
    });
    const slot = tally.slot(transport);
    const meter = tally.meter(transport);
    let isOpen = false;
    ws.on('upgrade', (res) => meter.watch(res.socket));
    let closedBy: number | undefined;
    ws.on('open', () => {
      isOpen = true;
      tally.opened();
      // From here on the frames are read here (the first ones, already read by ws, are the
      // subscription's announcement: nothing is published before every subscriber is open).
      const socket = (ws as unknown as { _socket: Socket })._socket;
      socket.removeAllListeners('data');
      readFrames(socket, {
        arrived: () => tally.arrived(),
        data: (buf, start, end) => {
          const sentAt = sentAtIn(buf, start, end);
          if (!Number.isNaN(sentAt)) tally.deliverArrived(slot, sentAt);
        },
        close: (code) => {
          closedBy = code;
        },
      });
      resolve({ close: () => ws.terminate() });
    });
    ws.on('error', (err) => {
      if (!isOpen) reject(err);
    });
    ws.on('unexpected-response', (_req, res) => {
      reject(new Error(`ws upgrade answered ${res.statusCode}`));
      res.resume();
      ws.terminate();
    });
    ws.on('close', (code) => {
      // ws no longer sees the frames: the server's close code is the one read by readFrames.
      if (isOpen) tally.closed(`ws ${closedBy ?? code}`);
    });
  });
}
