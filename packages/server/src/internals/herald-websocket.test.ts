import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { HERALD_WEBSOCKET_OPTIONS, type HeraldWebSocket } from './herald-websocket.ts';

// A connection may hold a message frame until the end of the turn (transports/write-turns.ts): the
// frames ws writes on its own must not overtake it.
describe('HeraldWebSocket', () => {
  const servers: WebSocketServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });

  /** A server whose connection "holds" the text `held` until ws writes a frame of its own. */
  async function serve(
    onOpen: (ws: HeraldWebSocket) => void,
    onAnswered: () => void = () => {},
  ): Promise<{ client: WebSocket; seen: string[] }> {
    const wss = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      ...HERALD_WEBSOCKET_OPTIONS,
      perMessageDeflate: false,
    });
    servers.push(wss);
    await once(wss, 'listening');
    wss.on('connection', (ws: HeraldWebSocket) => {
      let holding = true;
      ws.connection = {
        frame: () => {},
        pong: () => {},
        ended: () => {},
        failed: () => {},
        answered: onAnswered,
        beforeWrite: () => {
          if (!holding) return;
          holding = false;
          ws.send('held');
        },
      };
      onOpen(ws);
    });
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    // Listening from the start: frames sent at once may come with the handshake's answer.
    const seen: string[] = [];
    client.on('message', (data) => seen.push(`message ${String(data)}`));
    await once(client, 'open');
    return { client, seen };
  }

  it('sends what the connection holds before its close frame', async () => {
    const { client, seen } = await serve((ws) => ws.close(4100, 'slow consumer'));
    const [code] = (await once(client, 'close')) as [number];
    seen.push(`close ${code}`);
    expect(seen).toEqual(['message held', 'close 4100']);
  });

  it('sends what the connection holds before the pong ws answers a ping with', async () => {
    const { client, seen } = await serve(() => {});
    client.ping();
    await once(client, 'pong');
    seen.push('pong');
    client.terminate();
    expect(seen).toEqual(['message held', 'pong']);
  });

  it('answers each ping once, without ws, and tells the connection', async () => {
    let answered = 0;
    const { client } = await serve(
      () => {},
      () => answered++,
    );
    const pongs: string[] = [];
    client.on('pong', (data) => pongs.push(String(data)));
    for (const n of ['1', '2', '3']) client.ping(n);
    while (pongs.length < 3) await once(client, 'pong');
    client.ping('4');
    await once(client, 'pong');
    client.terminate();
    expect(pongs).toEqual(['1', '2', '3', '4']);
    expect(answered).toBe(4);
  });
});
