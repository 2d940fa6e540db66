import type { StatsSnapshot } from '@herald/protocol';
import { askKey, forgetKey, storedKey } from './key.ts';

export { HUB_TRANSPORTS, type HubTransport, type StatsSnapshot } from '@herald/protocol';

/** What the dashboard hears from {@link watchStats}. */
export interface StatsEvents {
  snapshot(s: StatsSnapshot): void;
  status(text: string, live: boolean): void;
}

/**
 * Follows the hub's stats stream with the browser's EventSource (it reconnects by itself). The API key
 * goes in `?token=` because an EventSource cannot send headers; it comes from sessionStorage or is asked
 * for, and is asked for again when the hub refuses it (an EventSource that gets a 401 closes for good).
 */
export async function watchStats(events: StatsEvents): Promise<void> {
  let key = storedKey() ?? (await askKey('The dashboard needs the API key.'));
  for (;;) {
    const refused = await follow(key, events);
    if (!refused) return;
    forgetKey();
    key = await askKey('The hub refused that key (or is unreachable).');
  }
}

/** Resolves true when the stream closed before any snapshot (a refused key); never resolves otherwise. */
function follow(key: string, events: StatsEvents): Promise<boolean> {
  return new Promise((resolve) => {
    const source = new EventSource(`/v1/stats/stream?token=${encodeURIComponent(key)}`);
    let got = false;
    events.status('connecting…', false);
    source.onmessage = (e: MessageEvent) => {
      got = true;
      events.status('live', true);
      events.snapshot(JSON.parse(String(e.data)) as StatsSnapshot);
    };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        if (!got) resolve(true);
        else events.status('stream closed; reload to reconnect', false);
      } else events.status('reconnecting…', false);
    };
  });
}
