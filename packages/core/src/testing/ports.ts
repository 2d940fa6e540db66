import { createServer } from 'node:net';

/** A loopback TCP port that was free a moment ago (the OS picked it; nothing listens there now). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port === 0 ? reject(new Error('the OS gave no port')) : resolve(port)));
    });
  });
}
