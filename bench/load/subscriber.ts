// Load process: opens subscribers on the orchestrator's command and reports deliveries,
// latencies and bytes on the wire. Runs as its own process (pinned to the load core) so that
// the hub's CPU and the client's CPU can be measured apart.
import type { ConnectCommand, Dialect, SubscriberCommand, SubscriberReply, Transport } from '../lib/ipc.ts';
import type { Closable, Opener } from './open-spec.ts';
import { openLongPoll, openPoll } from './pull-sub.ts';
import { openSocketIo } from './sio-sub.ts';
import { openNdjson, openSse } from './stream-sub.ts';
import { Tally } from './tally.ts';
import { openWs, openWsCompact } from './ws-sub.ts';

const tally = new Tally();
const connections: Closable[] = [];

function send(reply: SubscriberReply): void {
  process.send?.(reply);
}

function opener(transport: Transport, dialect: Dialect): Opener {
  switch (transport) {
    case 'ws':
      return dialect === 'socketio' ? openSocketIo : openWs;
    case 'wsc':
      return openWsCompact;
    case 'sse':
      return openSse;
    case 'ndjson':
      return openNdjson;
    case 'longpoll':
      return openLongPoll(dialect);
    case 'poll':
      return openPoll(dialect);
  }
}

async function connect(cmd: ConnectCommand): Promise<void> {
  const open = opener(cmd.transport, cmd.dialect);
  const perConnection = cmd.url.includes('{i}');
  const errors = new Set<string>();
  let opened = 0;
  let failed = 0;
  let next = 0;
  // A bounded number of handshakes in flight: thousands at once only measure the accept queue.
  const runner = async (): Promise<void> => {
    while (next < cmd.count) {
      const i = next++;
      const localAddress = cmd.localAddresses[i % cmd.localAddresses.length] ?? '127.0.0.1';
      const url = perConnection ? cmd.url.replace('{i}', String(cmd.firstIndex + i)) : cmd.url;
      try {
        connections.push(
          await open({ url, localAddress, timeoutMs: cmd.timeoutMs, tally, pollIntervalMs: cmd.pollIntervalMs }),
        );
        opened++;
      } catch (err) {
        failed++;
        if (errors.size < 5) errors.add(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(cmd.concurrency, cmd.count)) }, runner));
  send({ type: 'connected', transport: cmd.transport, opened, failed, errors: [...errors] });
}

const progress = setInterval(() => {
  send({ type: 'progress', open: tally.open, received: tally.received, p99Ms: tally.p99Ms() });
}, 500);

function shutdown(): void {
  clearInterval(progress);
  for (const c of connections) c.close();
  // Give the close frames / FINs a moment, then leave even if a socket lingers.
  setTimeout(() => process.exit(0), 200).unref();
  if (process.connected) process.disconnect();
}

process.on('message', (cmd: SubscriberCommand) => {
  if (cmd.type === 'connect') void connect(cmd);
  else if (cmd.type === 'collect') send({ type: 'stats', ...tally.collect(cmd.since) });
  else shutdown();
});
// The orchestrator died or gave up on us: never outlive it.
process.on('disconnect', shutdown);
