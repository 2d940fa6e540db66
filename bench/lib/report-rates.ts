// Tables of the request-rate scenarios (ingest, polling) and of bytes on the wire (F).
import { kilo, num, pct, ratio, table } from './format.ts';
import type { Transport } from './ipc.ts';
import type { CpuShare, RunResult } from './results.ts';

/** The user-space part of a CPU share. */
function userShare(c: CpuShare): number {
  const total = c.user + c.system;
  return total > 0 ? (c.share * c.user) / total : 0;
}

/** Requests (messages) per second per peer and kind, with the ratio to the node:http floor's same kind. */
export function ratesTable(runs: readonly RunResult[]): string {
  const floor = (rep: number, name: string): number | undefined =>
    runs.find((r) => r.peer === 'http-floor' && r.repetition === rep)?.rates.find((x) => x.name === name)
      ?.requestsPerSec;
  const rows = runs.flatMap((r) =>
    r.rates.map((x) => [
      r.peer,
      String(r.repetition),
      x.name,
      kilo(x.requestsPerSec),
      Number.isFinite(x.messagesPerSec) ? kilo(x.messagesPerSec) : '-',
      ratio(x.requestsPerSec, floor(r.repetition, x.name)),
      `${num(x.p50Ms, 2)} / ${num(x.p99Ms, 2)}`,
      `${pct(x.server.share)} (${pct(userShare(x.server))} user)`,
      `${num(x.serverUsPerRequest.user, 1)} / ${num(x.serverUsPerRequest.system, 1)}`,
      pct(x.load.share),
      x.bound,
      num(x.othersCores, 2),
    ]),
  );
  const header = ['peer', 'rep', 'kind', 'req/s', 'msg/s', '× node:http floor', 'p50 / p99 ms', 'hub CPU'];
  header.push('hub µs/req user / sys', 'load CPU', 'CPU-bound', 'other procs (cores)');
  return table(header, rows);
}

/** One conditional GET on the wire. */
export function exchangeTable(runs: readonly RunResult[]): string {
  const rows = runs.flatMap((r) =>
    r.exchanges.map((x) => [
      r.peer,
      String(r.repetition),
      x.name,
      String(x.status),
      String(x.requestBytes),
      String(x.responseBytes),
      String(x.requestBytes + x.responseBytes),
    ]),
  );
  return table(['peer', 'rep', 'exchange', 'status', 'request B', 'response B', 'total B'], rows);
}

const ORDER: Transport[] = ['poll', 'longpoll', 'sse', 'ndjson', 'ws', 'wsc'];

/** Bytes on the wire per delivered message, per transport and rate; overhead = bytes in − JSON data. */
export function bytesTable(runs: readonly RunResult[]): string {
  const rows = runs.flatMap((r) =>
    r.windows.flatMap((w) =>
      ORDER.filter((t) => w.traffic[t] !== undefined).map((t) => {
        const x = w.traffic[t] ?? { received: 0, bytesIn: 0, bytesOut: 0, requests: 0 };
        const per = (n: number): number => (x.received > 0 ? n / x.received : Number.NaN);
        return [
          r.peer,
          String(r.repetition),
          `${w.label} (${kilo(w.rate)}/s)`,
          t,
          String(x.received),
          num(per(x.bytesIn), 1),
          num(per(x.bytesOut), 1),
          num(per(x.bytesIn + x.bytesOut), 1),
          num(per(x.bytesIn) - w.dataBytes, 1),
          num(per(x.requests), 2),
        ];
      }),
    ),
  );
  const header = ['peer', 'rep', 'rate', 'transport', 'delivered', 'B/msg in', 'B/msg out', 'B/msg total'];
  header.push('overhead B/msg (in − data)', 'requests/msg');
  return table(header, rows);
}
