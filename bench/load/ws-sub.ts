// One WebSocket subscriber bound to a channel URL (contract section 6); Nchan's WebSocket
// subscriber sends the published body as one text frame, so the same client serves it. `ws` does
// the handshake; once open, the frames are read by ws-frames.ts straight from what the socket
// read, which costs the load core a fraction of what `ws`'s receiver and one 'message' event per
// frame cost.
//
// The socket reads into the process's shared read buffer (read-buffer.ts).
import { connect, type NetConnectOpts, type Socket } from 'node:net';
import { COMPACT_PROTOCOL } from '@herald/protocol';
import WebSocket from 'ws';
import type { Closable, OpenSpec } from './open-spec.ts';
import { readInto } from './read-buffer.ts';
import { SentAtReader } from './timestamp.ts';
import { FrameReader } from './ws-frames.ts';

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
    // Until the upgrade is through, what the socket reads is handed on (copied) to node's HTTP
    // client, which `ws` drives; from then on it goes to `frames`.
    let frames: FrameReader | undefined;
    let socket: Socket | undefined;
    const createConnection = (options: NetConnectOpts): Socket => {
      socket = connect({
        ...options,
        onread: readInto((buf, length) => {
          if (frames !== undefined) frames.feed(buf, length);
          else socket?.push(Buffer.from(buf.subarray(0, length)));
        }),
      });
      return socket;
    };
    const ws = new WebSocket(url.replace(/^http/, 'ws'), transport === 'wsc' ? [COMPACT_PROTOCOL] : [], {
      localAddress,
      handshakeTimeout: timeoutMs,
      // ws calls it with the options object only (its own netConnect does the same).
      createConnection: createConnection as typeof connect,
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
      if (socket === undefined) throw new Error('ws opened without the socket it was given');
      const sentAtOf = new SentAtReader();
      const reader = new FrameReader(socket, {
        arrived: () => tally.arrived(),
        data: (buf, start, end) => {
          const sentAt = sentAtOf.read(buf, start, end);
          if (!Number.isNaN(sentAt)) tally.deliverArrived(slot, sentAt);
        },
        close: (code) => {
          closedBy = code;
        },
      });
      // Bytes that came with the upgrade answer are still in the stream (ws put them back): they
      // reach the reader as 'data'; every later read goes to it directly.
      socket.removeAllListeners('data');
      socket.on('data', (chunk: Buffer) => reader.feed(chunk, chunk.length));
      frames = reader;
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
      // ws no longer sees the frames: the server's close code is the one read by the reader.
      if (isOpen) tally.closed(`ws ${closedBy ?? code}`);
    });
  });
}
