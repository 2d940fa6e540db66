import { connect as netConnect } from 'node:net';
import { type PrivateService, pollUntil, startPrivateService } from './private-service.ts';

/** How a private redis-server keeps its data across a restart. */
export type RedisPersistence = 'none' | 'aof-always';

/** A private redis-server on a free loopback port, for tests that kill and restart it. */
export interface PrivateRedis extends PrivateService {
  /** `redis://127.0.0.1:port` */
  readonly url: string;
}

/**
 * Starts `redis-server` on a port the OS picked, in a temporary directory, answering PING before this
 * resolves. `none`: no RDB and no AOF, so a restart comes back empty. `aof-always`: an append-only file
 * fsynced on every write, so a restart (even after SIGKILL) comes back with every acknowledged write.
 */
export async function startPrivateRedis(persistence: RedisPersistence = 'none'): Promise<PrivateRedis> {
  const service = await startPrivateService({
    command: 'redis-server',
    args: (port, dir) => [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
      ...(persistence === 'none' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always']),
    ],
    ready: (port, timeoutMs) => pollUntil(() => ping(port), timeoutMs, `redis-server on ${port} did not answer PING`),
    startTimeoutMs: 5_000,
  });
  return Object.assign(service, { url: `redis://127.0.0.1:${service.port}` });
}

/** True when a raw `PING` on `port` answers `+PONG` (not `-LOADING`) within 500 ms. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    let answer = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 500);
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}
