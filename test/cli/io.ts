import { type CliIo, runCli, type ServeConfig } from '@herald/cli';

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

/** Parses `herald serve <args>` in-process; resolves with the config serve would run with, or the error. */
export async function parseServe(args: string[]): Promise<{ config?: ServeConfig; code: number; err: string }> {
  const { io, err } = recordingIo();
  let config: ServeConfig | undefined;
  const code = await runCli(['serve', ...args], io, {
    serve: async (c) => {
      config = c;
      return 0;
    },
  });
  return { config, code, err: err.join('') };
}
