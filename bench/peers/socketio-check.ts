// Checks the Socket.IO peer with the official client (socket.io-client, WebSocket transport):
// the bench's own Engine.IO subscriber (bench/load/sio-sub.ts) must see what a real client sees.
//   node --import tsx bench/peers/socketio-check.ts
import { spawn } from 'node:child_process';
import { io } from 'socket.io-client';

const port = 18_000 + Math.floor(Math.random() * 1000);
const origin = `http://127.0.0.1:${port}`;
const peer = spawn(process.execPath, ['--import', 'tsx', 'bench/peers/socketio.ts', '--port', String(port)], {
  stdio: 'inherit',
});
const fail = (message: string): never => {
  console.error(`socketio-check: ${message}`);
  peer.kill();
  process.exit(1);
};
setTimeout(() => fail('no message within 15 s'), 15_000).unref();

await new Promise((r) => setTimeout(r, 1500));
const socket = io(origin, { transports: ['websocket'], query: { channel: 'check' }, reconnection: false });
socket.on('connect_error', (err) => fail(`connect: ${err.message}`));
socket.on('message', (m: { channel?: string; data?: { t?: number } }) => {
  if (m.channel !== 'check' || m.data?.t !== 42) fail(`unexpected message ${JSON.stringify(m)}`);
  console.log(`socketio-check: ok, got ${JSON.stringify(m)}`);
  socket.close();
  peer.kill();
  process.exit(0);
});
socket.on('connect', () => {
  void fetch(`${origin}/v1/channels/check/messages`, { method: 'POST', body: '{"data":{"t":42}}' }).then((res) => {
    if (res.status !== 201) fail(`publish answered ${res.status}`);
  });
});
