// Starts the hub under test (Herald or a peer) as its own pinned process and waits until it answers.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { profileArgs, spawnTracked, stopChild } from './children.ts';
import type { PeerName } from './options.ts';

const HERALD_BIN = 'packages/cli/bin/herald.js';
export const TMP_DIR = 'bench/results/tmp';

export interface Hub {
  peer: PeerName;
  pid: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  logFile: string;
  child: ChildProcess;
}

export interface HubConfig {
  peer: PeerName;
  cpus: string | undefined;
  apiKey: string;
  heraldArgs: readonly string[];
}

/** A port that was free a moment ago (the hub binds it right after). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function command(config: HubConfig, port: number): { command: string; args: string[] } {
  if (config.peer === 'raw-ws' || config.peer === 'herald-lib') {
    const script = `bench/peers/${config.peer}.ts`;
    const args = [...profileArgs(), '--import', 'tsx', script, '--port', String(port), '--api-key', config.apiKey];
    return { command: process.execPath, args };
  }
  if (!existsSync(HERALD_BIN)) throw new Error(`${HERALD_BIN} not found: run \`npm run build\` first`);
  const args = [HERALD_BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--api-key', config.apiKey];
  return { command: process.execPath, args: [...profileArgs(), ...args, ...config.heraldArgs] };
}

function healthy(origin: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(`${origin}/healthz`, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

export async function startHub(config: HubConfig, timeoutMs = 20_000): Promise<Hub> {
  mkdirSync(TMP_DIR, { recursive: true });
  const port = await freePort();
  const logFile = `${TMP_DIR}/${config.peer}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`;
  const log = openSync(logFile, 'w');
  const { command: cmd, args } = command(config, port);
  const child = spawnTracked({
    command: cmd,
    args,
    cpus: config.cpus,
    options: { stdio: ['ignore', log, log], env: { ...process.env, NODE_ENV: 'production' } },
  });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${config.peer} exited (${child.exitCode ?? child.signalCode}) before answering; log ${logFile}:\n${tail(logFile)}`,
      );
    }
    if (await healthy(origin)) {
      if (child.pid === undefined) throw new Error(`${config.peer}: no pid`);
      return { peer: config.peer, pid: child.pid, origin, logFile, child };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopChild(child);
  throw new Error(`${config.peer} did not answer /healthz within ${timeoutMs} ms; log ${logFile}:\n${tail(logFile)}`);
}

/** Stops the hub; returns whether it was still alive (a crash during the run is a finding). */
export async function stopHub(hub: Hub): Promise<{ crashed: boolean; logTail: string }> {
  const crashed = hub.child.exitCode !== null || hub.child.signalCode !== null;
  await stopChild(hub.child);
  return { crashed, logTail: crashed ? tail(hub.logFile) : '' };
}
