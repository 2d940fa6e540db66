// The command line of each hub under test.
import { existsSync } from 'node:fs';
import { nchanCommand } from '../peers/nchan.ts';
import { profileArgs } from './children.ts';
import type { PeerName } from './options.ts';

const HERALD_BIN = 'packages/cli/bin/herald.js';

/**
 * Herald's per-client limits (contract section 8) guard a hub against one abusive client; the
 * bench is one publisher (one API key) at up to tens of thousands of messages a second, and its
 * subscribers come from a few source addresses. Lifted for every run, and said so in the report.
 */
export const HERALD_BENCH_FLAGS = [
  '--max-publish-rate-per-connection',
  '0',
  '--max-publish-rate-per-principal',
  '0',
  '--max-ws-ops-per-second',
  '0',
  '--max-connections-per-ip',
  '0',
  '--max-long-polls-per-ip',
  '0',
];

export interface HubCommand {
  command: string;
  args: string[];
  /** nginx: the measured process is the worker, a child of the one started */
  forks: boolean;
}

export function hubCommand(
  peer: PeerName,
  port: number,
  apiKey: string,
  heraldArgs: readonly string[],
  tmpDir: string,
): HubCommand {
  if (peer === 'nchan') return { ...nchanCommand(port, tmpDir), forks: true };
  if (peer === 'herald') {
    if (!existsSync(HERALD_BIN)) throw new Error(`${HERALD_BIN} not found: run \`npm run build\` first`);
    const args = [HERALD_BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--api-key', apiKey];
    return {
      command: process.execPath,
      args: [...profileArgs(), ...args, ...HERALD_BENCH_FLAGS, ...heraldArgs],
      forks: false,
    };
  }
  const script = `bench/peers/${peer}.ts`;
  const args = [...profileArgs(), '--import', 'tsx', script, '--port', String(port), '--api-key', apiKey];
  return { command: process.execPath, args, forks: false };
}
