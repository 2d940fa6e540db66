// Launcher side of the Nchan peer: checks that nginx and the nchan module are installed, writes
// the config (bench/peers/nchan.conf) into a private prefix under bench/results/tmp, and finds the
// worker process (the one that serves connections: its CPU and memory are what is measured).
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so';
const TEMPLATE = 'bench/peers/nchan.conf';

function findNginx(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const file = join(dir, 'nginx');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Why the Nchan peer cannot run here, or undefined when it can. */
export function nchanMissing(): string | undefined {
  if (findNginx() === undefined) return 'nginx not installed (apt-get install -y nginx-light libnginx-mod-nchan)';
  try {
    accessSync(MODULE, constants.R_OK);
  } catch {
    return `${MODULE} missing (apt-get install -y libnginx-mod-nchan)`;
  }
  return undefined;
}

/** Writes the config for `port` under `dir`; returns the nginx command line (foreground). */
export function nchanCommand(port: number, dir: string): { command: string; args: string[] } {
  const nginx = findNginx();
  if (nginx === undefined) throw new Error('nginx not installed');
  const prefix = join(process.cwd(), dir, `nchan-${port}`);
  mkdirSync(prefix, { recursive: true });
  const conf = readFileSync(TEMPLATE, 'utf8')
    .replaceAll('{{MODULE}}', MODULE)
    .replaceAll('{{PREFIX}}', prefix)
    .replaceAll('{{PORT}}', String(port));
  const file = join(prefix, 'nginx.conf');
  writeFileSync(file, conf);
  // -e: the error log before the config is read (the default, /var/log/nginx, may not be ours).
  return { command: nginx, args: ['-p', prefix, '-c', file, '-e', join(prefix, 'error.log')] };
}

/** The nginx worker: the child of the master process (nginx forks it after reading the config). */
export function nchanWorkerPid(masterPid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === masterPid) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
