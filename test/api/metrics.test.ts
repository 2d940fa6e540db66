import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

/** The metric families `/metrics` declares (`# TYPE <name> <type>` lines). */
async function families(): Promise<string[]> {
  const res = await fetch(`${s.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await res.text();
  return [...text.matchAll(/^# TYPE (\S+) \S+$/gm)].map((m) => m[1] ?? '');
}

describe('GET /metrics names', () => {
  it("are Herald's own (herald_) or the standard process and Node.js ones, never with a doubled prefix", async () => {
    const names = await families();
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      expect(name, name).toMatch(/^(herald|process|nodejs)_[a-z0-9_]+$/);
      // A prefix prepended to names that carry their own: herald_process_process_cpu_…, herald_herald_…
      expect(name, name).not.toMatch(/^(herald_)?(herald|process|nodejs)_\2_/);
      expect(name, name).not.toMatch(/^herald_(process|nodejs)_/);
    }
    expect(names).toContain('process_cpu_user_seconds_total');
    expect(names).toContain('process_resident_memory_bytes');
    expect(names).toContain('nodejs_heap_size_used_bytes');
    for (const own of [
      'herald_connections',
      'herald_messages_published_total',
      'herald_messages_delivered_total',
      'herald_bytes_out_total',
      'herald_http_requests_total',
      'herald_history_messages',
      'herald_subscriptions',
      'herald_event_loop_lag_seconds',
    ]) {
      expect(names).toContain(own);
    }
    // Every family is declared once (prom-client refuses duplicates within a registry; this guards the text).
    expect(new Set(names).size).toBe(names.length);
  });
});
