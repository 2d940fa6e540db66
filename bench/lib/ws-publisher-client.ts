// Orchestrator side of the WebSocket publisher process (ingest over /v1/ws).
import { spawnBenchScript, stopChild } from './children.ts';
import type { WsPublishCommand, WsPublishDone } from './ipc.ts';

const SCRIPT = 'bench/load/ws-publisher.ts';

/** Runs one ingest measurement in a fresh pinned process; `started` gets its pid (for CPU accounting). */
export async function wsPublish(
  cmd: WsPublishCommand,
  cpus: string | undefined,
  logFd: number | 'inherit',
): Promise<{ done: WsPublishDone; pid: number }> {
  const child = spawnBenchScript(SCRIPT, cpus, logFd);
  const pid = child.pid ?? -1;
  try {
    const done = await new Promise<WsPublishDone>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('ws publisher: no result')), cmd.durationMs + 30_000);
      child.once('message', (reply: WsPublishDone) => {
        clearTimeout(timer);
        resolve(reply);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`ws publisher exited (${code})`));
      });
      child.send(cmd);
    });
    return { done, pid };
  } finally {
    if (child.connected) child.disconnect();
    await stopChild(child);
  }
}
