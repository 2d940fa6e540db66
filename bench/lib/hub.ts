// Starts the hub under test (Herald or a peer) as its own pinned process and waits until it answers.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { nchanWorkerPid } from '../peers/nchan.ts';
import { spawnTracked, stopChild } from './children.ts';
import { hubCommand } from './hub-command.ts';
import type { PeerName } from './options.ts';

export const TMP_DIR = 'bench/results/tmp';

export interface Hub {
  peer: PeerName;
  /** the process that serves connections (nginx: the worker), for CPU and memory */
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
  const { command: cmd, args, forks } = hubCommand(config.peer, port, config.apiKey, config.heraldArgs, TMP_DIR);
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
      const pid = child.pid !== undefined && forks ? nchanWorkerPid(child.pid) : child.pid;
      if (pid === undefined) throw new Error(`${config.peer}: no pid`);
      return { peer: config.peer, pid, origin, logFile, child };
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
