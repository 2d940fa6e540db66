// Load process: publishes at a fixed rate (open loop: the schedule does not wait for the hub)
// by HTTP POST, one message or a JSON-array batch per request, to one channel or to random
// channels of many. Each message's data carries its send time on the shared monotonic clock,
// so subscribers in other processes can compute publish→receive latency.
import { Agent, request } from 'node:http';
import type { PublishCommand, PublisherReply } from '../lib/ipc.ts';
import { LatencyRecorder, nowMs } from '../lib/latency.ts';
import { dataJson, padFor } from './payload.ts';

function send(reply: PublisherReply): void {
  process.send?.(reply);
}

interface Post {
  url: string;
  body: string;
}

/** What one POST carries: a message or a batch, to the channel (or a random one of many). */
function postFor(cmd: PublishCommand, pad: string, count: (dataBytes: number) => void): Post {
  const data = (): string => {
    const d = dataJson(pad);
    count(d.length);
    return d;
  };
  const pick = (): string => String(Math.floor(Math.random() * cmd.channels));
  if (cmd.channels > 1 && cmd.batch > 1 && cmd.multi !== undefined) {
    const { channel, url } = cmd.multi;
    const items = Array.from(
      { length: cmd.batch },
      () => `{"channel":"${channel.replace('{i}', pick())}","data":${data()}}`,
    );
    return { url, body: `{"messages":[${items.join(',')}]}` };
  }
  const url = cmd.channels > 1 ? cmd.url.replace('{i}', pick()) : cmd.url;
  if (cmd.batch === 1) return { url, body: `{"data":${data()}}` };
  return { url, body: `[${Array.from({ length: cmd.batch }, () => `{"data":${data()}}`).join(',')}]` };
}

async function publish(cmd: PublishCommand): Promise<void> {
  const pad = padFor(cmd.size);
  const agent = new Agent({ keepAlive: true, maxSockets: cmd.maxInFlight });
  const rtt = new LatencyRecorder();
  const errors = new Set<string>();
  let sent = 0;
  let accepted = 0;
  let failed = 0;
  let skipped = 0;
  let inFlight = 0;
  let dataBytes = 0;
  let dataCount = 0;
  const count = (n: number): void => {
    dataBytes += n;
    dataCount++;
  };

  const post = (): void => {
    const { url, body } = postFor(cmd, pad, count);
    const started = nowMs();
    inFlight++;
    sent += cmd.batch;
    const req = request(url, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${cmd.apiKey}`, 'content-type': 'application/json' },
    });
    const finish = (ok: number, error?: string): void => {
      inFlight--;
      rtt.record(nowMs() - started);
      accepted += ok;
      failed += cmd.batch - ok;
      if (error !== undefined && errors.size < 5) errors.add(error);
    };
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        // 201 (Herald), 200 (many-channel publish: one result per item), 202 (Nchan, no subscriber).
        if (status < 200 || status > 299) return finish(0, `HTTP ${status}: ${text.slice(0, 200)}`);
        const itemErrors = text.split('"error"').length - 1;
        finish(cmd.batch - itemErrors, itemErrors > 0 ? `item errors: ${text.slice(0, 200)}` : undefined);
      });
    });
    req.on('error', (err) => finish(0, err.message));
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
    dataBytes: dataCount > 0 ? dataBytes / dataCount : 0,
  });
}

process.on('message', (cmd: PublishCommand) => {
  void publish(cmd);
});
process.on('disconnect', () => process.exit(0));
