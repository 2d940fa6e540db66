// A Socket.IO subscriber that speaks Engine.IO v4 / Socket.IO v5 directly over `ws`, so that its
// cost per message is the same as the other WebSocket subscribers' (socket.io-client adds its own
// decoding and event emitter per message, which would make the client, not the hub, the limit).
// Packets: "0{…}" open → we send "40" (connect to namespace "/"), "40{…}" connected,
// "2" ping → "3" pong, "42[\"message\",{…}]" an event. The room is chosen by ?channel=.
import WebSocket from 'ws';
import type { Closable, OpenSpec } from './open-spec.ts';
import { SentAtReader } from './timestamp.ts';

const OPEN = 0x30; // '0'
const PING = 0x32; // '2'
const MESSAGE = 0x34; // '4'
const CONNECT = 0x30; // '0' (Socket.IO packet type inside an Engine.IO message)
const EVENT = 0x32; // '2'

/** ws://host/socket.io/?EIO=4&transport=websocket&channel=<name> from a channel URL. */
export function socketIoUrl(channelUrl: string): string {
  const url = new URL(channelUrl);
  const channel = /\/v1\/channels\/([^/]+)\/messages/.exec(url.pathname)?.[1] ?? 'bench';
  return `ws://${url.host}/socket.io/?EIO=4&transport=websocket&channel=${encodeURIComponent(channel)}`;
}

export function openSocketIo({ url, localAddress, timeoutMs, tally }: OpenSpec): Promise<Closable> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(socketIoUrl(url), {
      localAddress,
      handshakeTimeout: timeoutMs,
      perMessageDeflate: false,
      skipUTF8Validation: true,
    });
    const slot = tally.slot('ws');
    const meter = tally.meter('ws');
    let isOpen = false;
    const timer = setTimeout(() => ws.terminate(), timeoutMs);
    const sentAtOf = new SentAtReader();
    ws.on('upgrade', (res) => meter.watch(res.socket));
    ws.on('message', (data, isBinary) => {
      if (isBinary || !Buffer.isBuffer(data) || data.length === 0) return;
      const type = data[0];
      if (type === MESSAGE) {
        if (data[1] === EVENT) {
          const sentAt = sentAtOf.read(data, 0, data.length);
          if (!Number.isNaN(sentAt)) tally.deliver(slot, sentAt);
        } else if (data[1] === CONNECT && !isOpen) {
          clearTimeout(timer);
          isOpen = true;
          tally.opened();
          resolve({ close: () => ws.terminate() });
        }
      } else if (type === PING) ws.send('3');
      else if (type === OPEN) ws.send('40');
    });
    ws.on('error', (err) => {
      if (!isOpen) reject(err);
    });
    ws.on('unexpected-response', (_req, res) => {
      reject(new Error(`socket.io upgrade answered ${res.statusCode}`));
      res.resume();
      ws.terminate();
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      if (isOpen) tally.closed(`socket.io ${code}`);
      else reject(new Error(`socket.io closed (${code}) before connecting`));
    });
  });
}
