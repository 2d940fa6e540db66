// Run as a child process by close.test.ts: connects with every transport in turn, receives one
// message on each, closes the client, and then must let Node exit by itself (no handle left).
import { connect, type TransportName } from '@herald/client';

const [url, key] = process.argv.slice(2) as [string, string];
const transports: TransportName[] = ['websocket', 'sse', 'ndjson', 'long-poll', 'poll'];
for (const transport of transports) {
  const client = connect(url, {
    token: key,
    transports: [transport],
    storage: null,
    longPollWait: 1,
    pollInterval: { min: 30, max: 60 },
  });
  const sub = client.subscribe(`exit-${transport}`);
  const received = new Promise<void>((resolve) => sub.on('message', () => resolve()));
  await new Promise<void>((resolve) => {
    const off = client.on('state', (s) => {
      if (s.state === 'open') {
        off();
        resolve();
      }
    });
  });
  await client.publish(`exit-${transport}`, { hello: transport });
  await received;
  await client.close();
  process.stdout.write(`${transport} ok\n`);
}
