import { pino } from 'pino';

/** What the CLI touches of its process, injected so commands can run inside tests. */
export interface CliIo {
  /** Writes text to standard output as given (add the newline). */
  out(text: string): void;
  /** Writes text to standard error as given (add the newline). */
  err(text: string): void;
  /** Reads all of standard input. */
  readStdin(): Promise<string>;
  /** Calls `handler` on SIGTERM and SIGINT; returns a function that stops listening. */
  onSignal(handler: (signal: NodeJS.Signals) => void): () => void;
  /** Where structured logs go. */
  logDestination(): pino.DestinationStream;
}

/** The real process: stdout, stderr, stdin and signals. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    onSignal(handler) {
      process.on('SIGTERM', handler);
      process.on('SIGINT', handler);
      return () => {
        process.off('SIGTERM', handler);
        process.off('SIGINT', handler);
      };
    },
    // Synchronous: log lines are few (start, stop, errors) and must not be lost when the process exits.
    logDestination: () => pino.destination({ dest: 1, sync: true }),
  };
}
