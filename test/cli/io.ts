import type { CliIo } from '@herald/cli';

/** A CliIo that records what a command writes, for in-process tests. */
export function recordingIo(stdin = ''): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (s) => void out.push(s),
    err: (s) => void err.push(s),
    readStdin: async () => stdin,
    onSignal: () => () => {},
    logDestination: () => ({ write: () => {} }),
  };
  return { io, out, err };
}
