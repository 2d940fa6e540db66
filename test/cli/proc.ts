import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// Linux /proc readers for the cluster tests: which processes a primary forked, whether they still
// run, and which of them holds the server end of a TCP connection. Reading the kernel's view keeps
// the hub free of test-only hooks (no worker id on the wire).

/** Fields of /proc/<pid>/stat after the command name, or undefined when the process is gone. */
function stat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: split after its closing one.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** True while `pid` runs (a zombie, exited but not yet reaped, does not count). */
export function running(pid: number): boolean {
  const fields = stat(pid);
  return fields !== undefined && fields[0] !== 'Z';
}

/** The running processes whose parent is `pid`. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = stat(Number(entry));
    if (fields !== undefined && fields[0] !== 'Z' && Number(fields[1]) === pid) children.push(Number(entry));
  }
  return children.sort((a, b) => a - b);
}

/** Socket inode of the TCP connection whose local port is `serverPort` and remote port `clientPort`. */
function connectionInode(serverPort: number, clientPort: number): string | undefined {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      const port = (address: string | undefined) => Number.parseInt(address?.split(':').at(-1) ?? '', 16);
      if (port(f[1]) === serverPort && port(f[2]) === clientPort && f[9] !== '0') return f[9];
    }
  }
  return undefined;
}

/** Which of `pids` holds the server end of the loopback connection from `clientPort` to `serverPort`. */
export function connectionOwner(serverPort: number, clientPort: number, pids: readonly number[]): number | undefined {
  const inode = connectionInode(serverPort, clientPort);
  if (inode === undefined) return undefined;
  const target = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return pid;
      } catch {
        // The descriptor closed while we looked.
      }
    }
  }
  return undefined;
}
