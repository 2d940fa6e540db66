// Load process: publishes at a fixed rate (open loop: the schedule does not wait for the hub)
// by HTTP POST, one message or a JSON-array batch per request. Each message's data carries
// its send time on the shared monotonic clock, so subscribers in other processes can
// compute publish→receive latency.
import { Agent, request } from 'node:http';
import type { PublishCommand, PublisherReply } from '../lib/ipc.ts';
import { LatencyRecorder, nowMs } from '../lib/latency.ts';

function send(reply: PublisherReply): void {
  process.send?.(reply);
}

function messageJson(pad: string): string {
  const t = Math.round(nowMs() * 1000) / 1000;
  return `{"data":{"t":${t},"pad":"${pad}"}}`;
}

async function publish(cmd: PublishCommand): Promise<void> {
  // {"t":<~16 chars>,"pad":""} is about 31 bytes; the pad brings data to cmd.size.
  const pad = 'x'.repeat(Math.max(0, cmd.size - 31));
  const agent = new Agent({ keepAlive: true, maxSockets: cmd.maxInFlight });
  const rtt = new LatencyRecorder();
  const errors = new Set<string>();
  let sent = 0;
  let accepted = 0;
  let failed = 0;
  let skipped = 0;
  let inFlight = 0;

  const post = (): void => {
    const body =
      cmd.batch === 1 ? messageJson(pad) : `[${Array.from({ length: cmd.batch }, () => messageJson(pad)).join(',')}]`;
    const started = nowMs();
    inFlight++;
    sent += cmd.batch;
    const req = request(cmd.url, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${cmd.apiKey}`, 'content-type': 'application/json' },
    });
    const finish = (ok: boolean, error?: string): void => {
      inFlight--;
      rtt.record(nowMs() - started);
      if (ok) accepted += cmd.batch;
      else failed += cmd.batch;
      if (error !== undefined && errors.size < 5) errors.add(error);
    };
    req.on('response', (res) => {
      if (res.statusCode === 201) {
        res.resume();
        res.on('end', () => finish(true));
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => finish(false, `HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
    });
    req.on('error', (err) => finish(false, err.message));
    req.end(body);
  };

  const startedAt = nowMs();
  const total = Math.round((cmd.rate * cmd.durationMs) / 1000);
  const intervalMs = Math.max(1, Math.min(10, (1000 * cmd.batch) / cmd.rate));
  let due = 0;
  const report = setInterval(() => send({ type: 'progress', sent, accepted }), 500);
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      // Catch up with the schedule: messages owed since the start, in whole batches.
      const owed = Math.min(total, Math.floor(((nowMs() - startedAt) * cmd.rate) / 1000));
      while (due + cmd.batch <= owed || (owed === total && due < total)) {
        due += cmd.batch;
        if (inFlight >= cmd.maxInFlight) skipped += cmd.batch;
        else post();
      }
      if (due >= total) resolve();
      else setTimeout(tick, intervalMs);
    };
    tick();
  });
  const endedAt = nowMs();
  // Wait (bounded) for the answers still in flight.
  const deadline = Date.now() + cmd.answerWaitMs;
  while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  clearInterval(report);
  agent.destroy();
  send({
    type: 'done',
    sent,
    accepted,
    failed,
    unanswered: inFlight * cmd.batch,
    skipped,
    errors: [...errors],
    startedAt,
    endedAt,
    rtt: rtt.drain(),
  });
}

process.on('message', (cmd: PublishCommand) => {
  void publish(cmd);
});
process.on('disconnect', () => process.exit(0));
