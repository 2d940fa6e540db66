import type { Hub } from '@herald/core';
import { authHeaders, errorBody, hubUrl } from '../http.ts';
import type { DemoPublish } from './simulator.ts';

/** Why a demo publish failed: the hub's error body, or the network failure. */
export class DemoPublishError extends Error {
  override readonly name = 'DemoPublishError';
  constructor(
    message: string,
    /** HTTP status; undefined when the hub could not be reached. */
    readonly status?: number,
  ) {
    super(message);
  }
}

interface MultiResult {
  channel: string;
  error?: { code: string; message: string };
}

/**
 * Publishes each tick with one `POST /v1/publish` (every channel of the tick in one request), as any
 * client would. A failed item fails the tick with its error.
 */
export function httpPublisher(url: string, apiKey: string | undefined): DemoPublish {
  const endpoint = hubUrl(url, '/v1/publish');
  const headers = { 'content-type': 'application/json', ...authHeaders(apiKey) };
  return async (messages) => {
    const body = JSON.stringify({ messages });
    const res = await fetch(endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new DemoPublishError(await errorBody(res), res.status);
    const { results } = (await res.json()) as { results: MultiResult[] };
    const failed = results.find((r) => r.error !== undefined);
    if (failed?.error !== undefined) {
      throw new DemoPublishError(`${failed.channel}: ${failed.error.code}: ${failed.error.message}`);
    }
  };
}

/** Publishes straight into a hub in this process (`serve --demo`): no HTTP, no credentials. */
export function hubPublisher(hub: Hub): DemoPublish {
  return async (messages) => {
    for (const m of messages) await hub.publish(m.channel, [{ event: m.event, data: m.data }]);
  };
}
