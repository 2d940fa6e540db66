// Scenario "ingest" (D in docs/performance.md, publishing half): how many messages a second the hub accepts
// on one core, to a channel without subscribers. Single POSTs and batch POSTs with wrk (compared
// with the node:http floor, which answers 201 and does nothing), and publishes over a persistent
// WebSocket (`/v1/ws` op publish) from a pinned Node process.
import { openSync, writeFileSync } from 'node:fs';
import { type Hub, TMP_DIR } from '../lib/hub.ts';
import { summarize } from '../lib/latency.ts';
import { measured } from '../lib/measure.ts';
import { publishUrl } from '../lib/peers.ts';
import type { RateResult } from '../lib/results.ts';
import { boundOf, engineCpu } from '../lib/window.ts';
import { runWrk, wrkMissing } from '../lib/wrk.ts';
import { wsPublish } from '../lib/ws-publisher-client.ts';
import { dataJson, padFor } from '../load/payload.ts';
import { type CaseContext, withHub } from './context.ts';

export async function ingestScenario(ctx: CaseContext): Promise<string | undefined> {
  const { opts, peer, label } = ctx;
  const missing = wrkMissing();
  if (missing) return missing;
  const loadCpus = opts.pin ? opts.loadCpus : undefined;
  const pad = padFor(opts.size);
  const single = `${TMP_DIR}/ingest-single-${label}.json`;
  const batch = `${TMP_DIR}/ingest-batch-${label}.json`;
  writeFileSync(single, `{"data":${dataJson(pad)}}`);
  writeFileSync(batch, `[${Array.from({ length: opts.ingestBatch }, () => `{"data":${dataJson(pad)}}`).join(',')}]`);
  const kinds: Array<{ name: string; file: string; perRequest: number }> = [];
  if (opts.kinds.includes('single')) kinds.push({ name: 'single POST', file: single, perRequest: 1 });
  if (peer.batch && opts.kinds.includes('batch'))
    kinds.push({ name: `batch POST ×${opts.ingestBatch}`, file: batch, perRequest: opts.ingestBatch });
  await withHub(ctx, async (hub) => {
    const url = publishUrl(hub.origin, `ingest${Date.now().toString(36)}`);
    for (const kind of kinds) {
      const m = await measured(hub, [], () =>
        runWrk({
          url,
          durationS: opts.duration,
          connections: opts.httpConns,
          cpus: loadCpus,
          headers: {},
          script: { file: 'bench/wrk/post.lua', args: [kind.file, opts.apiKey] },
        }),
      );
      const w = m.value;
      ctx.result.rates.push({
        name: kind.name,
        requestsPerSec: w.requestsPerSec,
        messagesPerSec: w.requestsPerSec * kind.perRequest,
        p50Ms: w.p50Ms,
        p99Ms: w.p99Ms,
        errors: w.non2xx3xx + w.socketErrors > 0 ? `${w.non2xx3xx} non-2xx/3xx, ${w.socketErrors} socket errors` : '',
        server: m.server,
        load: m.load,
        serverUsPerRequest: { user: (m.server.user * 1e6) / w.requests, system: (m.server.system * 1e6) / w.requests },
        engine: m.engine && engineCpu(m.engine.start, m.engine.end, m.wallSeconds, w.requests * kind.perRequest),
        bound: boundOf(m.server.share, m.load.share, hub.cores),
        othersCores: m.othersCores,
      });
    }
    if (peer.wsPublish && opts.kinds.includes('ws')) ctx.result.rates.push(await overWebSocket(ctx, hub));
  });
  return undefined;
}

async function overWebSocket(ctx: CaseContext, hub: Hub): Promise<RateResult> {
  const { opts, label } = ctx;
  const logFd = openSync(`${TMP_DIR}/ws-publish-${label}.log`, 'w');
  // Few connections with a deep window: what one busy backend publisher would hold.
  const connections = Math.min(8, opts.httpConns);
  const m = await measured(hub, [], () =>
    wsPublish(
      {
        type: 'ws-publish',
        url: `${hub.origin.replace(/^http/, 'ws')}/v1/ws`,
        channel: `ingestws${Date.now().toString(36)}`,
        apiKey: opts.apiKey,
        connections,
        window: 64,
        durationMs: opts.duration * 1000,
        size: opts.size,
      },
      opts.pin ? opts.loadCpus : undefined,
      logFd,
    ),
  );
  const { done } = m.value;
  const rtt = summarize([done.rtt]);
  const total = done.acked + done.failed;
  return {
    name: `WS publish (${connections} conns × 64 in flight)`,
    requestsPerSec: done.acked / done.seconds,
    messagesPerSec: done.acked / done.seconds,
    p50Ms: rtt.p50Ms,
    p99Ms: rtt.p99Ms,
    errors: done.failed > 0 || done.errors.length > 0 ? `${done.failed} failed: ${done.errors.join('; ')}` : '',
    server: m.server,
    load: m.load,
    serverUsPerRequest: {
      user: total > 0 ? (m.server.user * 1e6) / total : Number.NaN,
      system: total > 0 ? (m.server.system * 1e6) / total : Number.NaN,
    },
    engine: m.engine && engineCpu(m.engine.start, m.engine.end, m.wallSeconds, done.acked),
    bound: boundOf(m.server.share, m.load.share, hub.cores),
    othersCores: m.othersCores,
  };
}
