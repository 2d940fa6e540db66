// Progress bars on stderr (stdout stays for the result table). cli-progress is silent
// without a TTY unless told otherwise; in CI it then prints a line every few seconds.
import cliProgress from 'cli-progress';

export type Bar = cliProgress.SingleBar;

export function startBar(label: string, total: number, extra = '', payload: Record<string, string | number> = {}): Bar {
  const bar = new cliProgress.SingleBar({
    format: `${label.padEnd(22)} [{bar}] {value}/{total} ${extra}`,
    stream: process.stderr,
    noTTYOutput: !process.stderr.isTTY,
    notTTYSchedule: 2000,
    hideCursor: true,
    barsize: 24,
  });
  bar.start(total, 0, payload);
  return bar;
}

/** Polls `read` every 250 ms into the bar until stopped. */
export function follow(bar: Bar, read: () => { value: number; payload?: Record<string, string | number> }): () => void {
  const timer = setInterval(() => {
    const { value, payload } = read();
    bar.update(value, payload ?? {});
  }, 250);
  return () => {
    clearInterval(timer);
    const { value, payload } = read();
    bar.update(value, payload ?? {});
    bar.stop();
  };
}
