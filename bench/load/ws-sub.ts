// One WebSocket subscriber bound to a channel URL (contract section 6); Nchan's WebSocket
// subscriber sends the published body as one text frame, so the same client serves it.
import { COMPACT_PROTOCOL } from '@herald/protocol';
import WebSocket from 'ws';
import type { Closable, OpenSpec } from './open-spec.ts';
import { sentAtFromBuffer } from './timestamp.ts';

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
    ws.on('open', () => {
      isOpen = true;
      tally.opened();
      resolve({ close: () => ws.terminate() });
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary || !Buffer.isBuffer(data)) return;
      const sentAt = sentAtFromBuffer(data);
      if (!Number.isNaN(sentAt)) tally.deliver(slot, sentAt);
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
      if (isOpen) tally.closed(`ws ${code}`);
    });
  });
}
