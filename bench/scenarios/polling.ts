// Scenario "polling" (E in docs/performance.md): wrk against one channel holding one message. Plain GET (a
// 200 page) and conditional GET (the validators of that page → 304) requests/s, compared with the
// node:http floor (bench/peers/http-floor.ts) and Nchan's interval poll; plus the bytes of one
// 304 exchange on the wire.
import { exchangeBytes, httpOnce } from '../lib/http-once.ts';
import { measured } from '../lib/measure.ts';
import { publishUrl, subscribeUrl } from '../lib/peers.ts';
import type { RateResult } from '../lib/results.ts';
import { boundOf, engineCpu } from '../lib/window.ts';
import { runWrk, wrkMissing } from '../lib/wrk.ts';
import { type CaseContext, withHub } from './context.ts';

export async function pollingScenario(ctx: CaseContext): Promise<string | undefined> {
  const { opts, peer } = ctx;
  if (!peer.polling) return `${peer.name} has no conditional polling`;
  const missing = wrkMissing();
  if (missing) return missing;
  await withHub(ctx, async (hub) => {
    const channel = `poll${Date.now().toString(36)}`;
    const posted = await httpOnce(publishUrl(hub.origin, channel), {
      method: 'POST',
      headers: { authorization: `Bearer ${opts.apiKey}`, 'content-type': 'application/json' },
      body: `{"data":{"t":0,"pad":"${'x'.repeat(69)}"}}`,
    });
    if (posted.status < 200 || posted.status > 299) throw new Error(`publish answered ${posted.status}`);
    const url = subscribeUrl(peer, hub.origin, channel, 'poll');
    const page = await httpOnce(url);
    if (page.status !== 200) throw new Error(`GET answered ${page.status}`);
    // The validators a browser would send back: ETag (Herald, the floor), plus Last-Modified (Nchan).
    const conditional: Record<string, string> = {};
    if (page.headers.etag) conditional['If-None-Match'] = page.headers.etag;
    if (page.headers['last-modified']) conditional['If-Modified-Since'] = page.headers['last-modified'];
    const wire = await exchangeBytes(url, conditional);
    ctx.result.exchanges.push({ name: 'conditional GET', ...wire });
    const kinds: Array<[string, Record<string, string>]> = [];
    if (opts.kinds.includes('get')) kinds.push(['GET 200', {}]);
    if (opts.kinds.includes('conditional')) kinds.push(['GET 304', conditional]);
    for (const [name, headers] of kinds) {
      const m = await measured(hub, [], () =>
        runWrk({
          url,
          durationS: opts.duration,
          connections: opts.httpConns,
          cpus: opts.pin ? opts.loadCpus : undefined,
          headers,
        }),
      );
      const w = m.value;
      const result: RateResult = {
        name,
        requestsPerSec: w.requestsPerSec,
        messagesPerSec: Number.NaN,
        p50Ms: w.p50Ms,
        p99Ms: w.p99Ms,
        errors: w.non2xx3xx + w.socketErrors > 0 ? `${w.non2xx3xx} non-2xx/3xx, ${w.socketErrors} socket errors` : '',
        server: m.server,
        load: m.load,
        serverUsPerRequest: {
          user: (m.server.user * 1e6) / w.requests,
          system: (m.server.system * 1e6) / w.requests,
        },
        engine: m.engine && engineCpu(m.engine.start, m.engine.end, m.wallSeconds, 0),
        bound: boundOf(m.server.share, m.load.share, hub.cores),
        othersCores: m.othersCores,
      };
      ctx.result.rates.push(result);
    }
  });
  return undefined;
}
