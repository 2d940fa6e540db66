// Orchestrator side of the publisher process.
import type { ChildProcess } from 'node:child_process';
import { spawnBenchScript, stopChild, waitExit } from './children.ts';
import type { PublishCommand, PublishDone, PublisherReply } from './ipc.ts';

const PUBLISHER_SCRIPT = 'bench/load/publisher.ts';

export class Publisher {
  private readonly child: ChildProcess;
  latest = { sent: 0, accepted: 0 };

  constructor(cpus: string | undefined, logFd: number) {
    this.child = spawnBenchScript(PUBLISHER_SCRIPT, cpus, logFd);
    this.child.on('message', (reply: PublisherReply) => {
      if (reply.type === 'progress') this.latest = { sent: reply.sent, accepted: reply.accepted };
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Publishes per `cmd`; resolves with the publisher's own account of what was sent and accepted. */
  run(cmd: PublishCommand): Promise<PublishDone> {
    this.latest = { sent: 0, accepted: 0 };
    const timeoutMs = cmd.durationMs + cmd.answerWaitMs + 20_000;
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => {
        cleanup();
        reject(new Error(`publisher exited (${code}) while publishing`));
      };
      const onMessage = (reply: PublisherReply): void => {
        if (reply.type !== 'done') return;
        cleanup();
        resolve(reply);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`publisher: no result within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.off('exit', onExit);
        this.child.off('message', onMessage);
      };
      this.child.once('exit', onExit);
      this.child.on('message', onMessage);
      this.child.send(cmd);
    });
  }

  async close(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    await waitExit(this.child, 2000);
    await stopChild(this.child);
  }
}
