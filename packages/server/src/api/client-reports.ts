import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError } from '@herald/core';
import { FALLBACK_REASONS, isFallbackReason, lookupTransport, TRANSPORT_NAMES } from '@herald/protocol';
import { z } from 'zod';
import { readJsonBody } from '../http/body.ts';
import type { ServerStats } from '../stats.ts';

/** A transport name; an old spelling (an SDK released before the names were unified) counts under the current one. */
const transport = z.string().transform((name, ctx) => {
  const found = lookupTransport(name);
  if (found !== undefined) return found.name;
  ctx.addIssue({ code: 'custom', message: 'unknown transport' });
  return z.NEVER;
});

const report = z.object({
  fallback: z.object({
    from: transport,
    to: transport,
    reason: z.string().refine(isFallbackReason),
  }),
});

/**
 * `POST /v1/client-reports`: the SDK reports why it fell back from one transport to another, so
 * operators see which networks break which transport (`herald_client_fallbacks_total`). 204.
 */
export async function handleClientReport(stats: ServerStats, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parsed = report.safeParse(await readJsonBody(req, res, 4096));
  if (!parsed.success) {
    throw new HeraldError(
      'bad_request',
      `a report is {"fallback":{"from","to","reason"}} with transports ${TRANSPORT_NAMES.join('|')} and reasons ${FALLBACK_REASONS.join('|')}|http_<status>`,
    );
  }
  const { from, to, reason } = parsed.data.fallback;
  const key = `${from}|${to}|${reason}`;
  stats.fallbacks.set(key, (stats.fallbacks.get(key) ?? 0) + 1);
  res.writeHead(204);
  res.end();
}
