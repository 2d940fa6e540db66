import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type PrivateService, pollUntil, startPrivateService } from './private-service.ts';

/** A private `nats-server -js` on a free loopback port, for tests that kill and restart it. */
export interface PrivateNats extends PrivateService {
  /** `nats://127.0.0.1:port` */
  readonly url: string;
}

/**
 * Starts `nats-server -js` on a port the OS picked, with its store in a temporary directory, answering
 * JetStream requests before this resolves. JetStream's file store keeps what it acknowledged across a
 * SIGKILL of the process (the writes are in the page cache), so a restart comes back with its data.
 */
export async function startPrivateNats(): Promise<PrivateNats> {
  const service = await startPrivateService({
    command: 'nats-server',
    args: (port, dir) => ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir],
    ready: (port, timeoutMs) =>
      pollUntil(() => jetStreamAnswers(port), timeoutMs, `nats-server on ${port} did not answer JetStream requests`),
    startTimeoutMs: 10_000,
  });
  return Object.assign(service, { url: `nats://127.0.0.1:${service.port}` });
}

/** True when JetStream on `port` answers an account-info request within 500 ms. */
async function jetStreamAnswers(port: number): Promise<boolean> {
  let nc: NatsConnection | undefined;
  try {
    nc = await connect({ servers: `nats://127.0.0.1:${port}`, timeout: 500, maxReconnectAttempts: 0 });
    await (await jetstreamManager(nc, { timeout: 500 })).getAccountInfo();
    return true;
  } catch {
    return false;
  } finally {
    await nc?.close().catch(() => {});
  }
}
