import type { Message, StateEvent, Subscription } from '@herald/client';

/** Waits until `check()` is true (polling every 10 ms) or fails after `ms`. */
export async function waitFor(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Collects a subscription's messages. */
export function collect(sub: Subscription): Message[] {
  const messages: Message[] = [];
  sub.on('message', (m) => messages.push(m));
  return messages;
}

/** Publishes straight to the hub over HTTP with the API key (the "other" publisher). */
export async function publishDirect(base: string, key: string, channel: string, data: unknown): Promise<void> {
  const res = await fetch(`${base}/v1/channels/${encodeURIComponent(channel)}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ data }),
  });
  if (res.status !== 201) throw new Error(`publish failed: ${res.status} ${await res.text()}`);
}

/** Records state events. */
export function recordStates(client: { on(type: 'state', fn: (s: StateEvent) => void): unknown }): StateEvent[] {
  const states: StateEvent[] = [];
  client.on('state', (s) => states.push(s));
  return states;
}

/** Fast timings for tests: quick retries, short polls, a watchdog that fires within a second. */
export const FAST = {
  backoff: { base: 20, cap: 100 },
  pollInterval: { min: 30, max: 60 },
  longPollWait: 1,
  heartbeat: { ping: 200, timeout: 800 },
  openTimeout: 600,
  storage: null,
} as const;
