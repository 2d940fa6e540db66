import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@herald/core/testing';
import { Client } from 'pg';
import { createClient } from 'redis';

export { freePort };

const run = promisify(execFile);

/** The machine's shared brokers (override with the environment, as CI does). */
export const BROKERS = {
  amqp: process.env.HERALD_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  mqtt: process.env.HERALD_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883',
  nats: process.env.HERALD_TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
  redis: process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  postgres: process.env.HERALD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
};

/** A name no other test (or run) uses: `prefix` + 8 hex digits. */
export function unique(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

/** A broker process of the test's own, on its own port: the tests stop and restart it, never the shared one. */
export class PrivateBroker {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly dir: string,
  ) {}

  /** nats-server with JetStream, its store in a temporary directory. */
  static async nats(): Promise<PrivateBroker> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'herald-nats-'));
    const broker = new PrivateBroker(
      port,
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
      dir,
    );
    await broker.start();
    return broker;
  }

  /** mosquitto with persistence, so sessions and queued messages survive a graceful restart. */
  static async mosquitto(): Promise<PrivateBroker> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'herald-mqtt-'));
    const conf = join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        // Started as root, mosquitto would switch to its own user, which cannot write this directory.
        `user ${userInfo().username}`,
        'persistence true',
        `persistence_location ${dir}/`,
        '',
      ].join('\n'),
    );
    const broker = new PrivateBroker(port, 'mosquitto', ['-c', conf], dir);
    await broker.start();
    return broker;
  }

  /** Starts the process and waits until its port accepts connections. */
  async start(): Promise<void> {
    const child = spawn(this.command, this.args, { stdio: 'ignore', cwd: this.dir });
    this.child = child;
    const deadline = Date.now() + 10_000;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null) throw new Error(`${this.command} exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`${this.command} did not listen on ${this.port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the process (SIGTERM lets mosquitto save its sessions; SIGKILL plays a crash). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  /** Stops, waits `downMs`, starts again on the same port with the same data. */
  async restart(signal: NodeJS.Signals = 'SIGTERM', downMs = 500): Promise<void> {
    await this.stop(signal);
    await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  async close(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Closes, from the broker's side, the AMQP connection a bridge named `bridge` holds. */
export async function cutRabbitConnection(bridge: string): Promise<void> {
  const { stdout } = await run('rabbitmqctl', [
    'list_connections',
    'pid',
    'client_properties',
    '-q',
    '--no-table-headers',
  ]);
  const line = stdout.split('\n').find((l) => l.includes(`"herald-bridge:${bridge}"`));
  const pid = line?.split('\t')[0];
  if (pid === undefined) throw new Error(`no RabbitMQ connection of bridge ${bridge}`);
  await run('rabbitmqctl', ['close_connection', pid, 'test: connection cut']);
}

/** CLIENT KILLs every Redis connection a bridge named `bridge` holds; returns how many. */
export async function cutRedisConnections(bridge: string): Promise<number> {
  const admin = createClient({ url: BROKERS.redis });
  await admin.connect();
  try {
    const list = await admin.clientList();
    const ours = list.filter((c) => c.name === `herald-bridge:${bridge}`);
    for (const c of ours) await admin.clientKill({ filter: 'ID', id: Number(c.id) });
    return ours.length;
  } finally {
    admin.destroy();
  }
}

/** Terminates the PostgreSQL backends of a bridge named `bridge`; returns how many. */
export async function cutPostgresConnections(bridge: string): Promise<number> {
  const admin = new Client({ connectionString: BROKERS.postgres });
  await admin.connect();
  try {
    const { rows } = await admin.query(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
      [`herald-bridge:${bridge}`],
    );
    return rows.length;
  } finally {
    await admin.end();
  }
}
