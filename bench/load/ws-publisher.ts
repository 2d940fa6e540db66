// Load process: ingest over WebSocket (`/v1/ws`, op "publish", contract section 6). Each
// connection keeps `window` publishes in flight and sends the next when one is acknowledged
// (closed loop: this measures how many messages a second the hub accepts, not a schedule).
import WebSocket from 'ws';
import type { WsPublishCommand, WsPublishDone } from '../lib/ipc.ts';
import { LatencyRecorder, nowMs } from '../lib/latency.ts';
import { dataJson, padFor } from './payload.ts';

const REF = '"ref":';

function refOf(frame: string): number {
  const at = frame.indexOf(REF);
  return at < 0 ? -1 : Number.parseInt(frame.slice(at + REF.length, at + REF.length + 16), 10);
}

async function run(cmd: WsPublishCommand): Promise<WsPublishDone> {
  const pad = padFor(cmd.size);
  const rtt = new LatencyRecorder();
  const errors = new Set<string>();
  let acked = 0;
  let failed = 0;
  let stopping = false;
  const started = nowMs();
  const one = (index: number): Promise<void> =>
    new Promise((resolve) => {
      const ws = new WebSocket(cmd.url, {
        headers: { authorization: `Bearer ${cmd.apiKey}` },
        perMessageDeflate: false,
        localAddress: `127.0.1.${2 + index}`,
      });
      const sentAt = new Map<number, number>();
      let ref = 0;
      const publish = (): void => {
        ref++;
        sentAt.set(ref, nowMs());
        ws.send(`{"op":"publish","ref":${ref},"channel":"${cmd.channel}","data":${dataJson(pad)}}`);
      };
      ws.on('open', () => {
        for (let i = 0; i < cmd.window; i++) publish();
      });
      ws.on('message', (data) => {
        const frame = String(data);
        const r = refOf(frame);
        const at = sentAt.get(r);
        if (at === undefined) return;
        sentAt.delete(r);
        rtt.record(nowMs() - at);
        if (frame.startsWith('{"op":"ok"')) acked++;
        else {
          failed++;
          if (errors.size < 5) errors.add(frame.slice(0, 200));
        }
        if (!stopping) publish();
        else if (sentAt.size === 0) ws.close();
      });
      ws.on('error', (err) => {
        if (errors.size < 5) errors.add(err.message);
      });
      ws.on('close', () => resolve());
      setTimeout(() => ws.terminate(), cmd.durationMs + 5000).unref();
    });
  const all = Promise.all(Array.from({ length: cmd.connections }, (_, i) => one(i)));
  await new Promise((r) => setTimeout(r, cmd.durationMs));
  stopping = true;
  const seconds = (nowMs() - started) / 1000;
  const ackedInTime = acked;
  await all;
  return { type: 'done', acked: ackedInTime, failed, errors: [...errors], seconds, rtt: rtt.drain() };
}

process.on('message', (cmd: WsPublishCommand) => {
  void run(cmd).then((done) => process.send?.(done));
});
process.on('disconnect', () => process.exit(0));
