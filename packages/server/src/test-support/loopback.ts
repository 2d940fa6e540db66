import { once } from 'node:events';
import { createServer, type Server, Socket } from 'node:net';

/** A real TCP connection on loopback: the socket the hub writes to, its peer, and what the peer has read. */
export interface Loopback {
  socket: Socket;
  peer: Socket;
  received: Buffer[];
  /** What the peer has read so far, as text. */
  text(): string;
}

/** Opens a {@link Loopback} connection; its server is pushed on `servers` for the test to close. */
export async function loopback(servers: Server[]): Promise<Loopback> {
  const received: Buffer[] = [];
  let peer: Socket | undefined;
  const server = createServer((s) => {
    peer = s;
    s.on('data', (chunk: Buffer) => received.push(chunk));
    s.on('error', () => {});
    s.on('end', () => s.destroy());
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const socket = new Socket();
  socket.connect(address.port, '127.0.0.1');
  await once(socket, 'connect');
  while (peer === undefined) await new Promise((resolve) => setImmediate(resolve));
  return { socket, peer, received, text: () => Buffer.concat(received).toString() };
}

/** Records every chunk written to `socket` through its Writable (`socket.write`), in order. */
export function recordWrites(socket: Socket): Buffer[] {
  const written: Buffer[] = [];
  const write = socket.write.bind(socket);
  socket.write = ((chunk: Buffer | string) => {
    written.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return write(chunk);
  }) as typeof socket.write;
  return written;
}
