import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableStream, stream } from '@durable-streams/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/build.ts';
import { killAll, serve, stop } from '../cli/processes.ts';
import { waitFor } from '../client/helpers.ts';

const KEY = 'ds-test-key-0123456789';
const dirs: string[] = [];

beforeAll(ensureBuilt, 60_000);
afterEach(killAll);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('a Durable Streams client across a hub restart (spawned herald serve --data)', () => {
  for (const live of ['long-poll', 'sse'] as const) {
    it(`@durable-streams/client live-tails (${live}) and resumes where it was, without loss or duplicate`, async () => {
      const data = mkdtempSync(join(tmpdir(), 'herald-ds-'));
      dirs.push(data);
      const first = await serve(['--api-key', KEY, '--data', data]);
      const url = `${first.url}/v1/stream/ds-restart-${live}`;
      const headers = { Authorization: `Bearer ${KEY}` };
      const handle = await DurableStream.create({ url, contentType: 'application/json', headers });
      await handle.append(JSON.stringify({ n: 1 }));

      const items: unknown[] = [];
      const offsets: string[] = [];
      const abort = new AbortController();
      const res = await stream<{ n: number }>({
        url,
        headers,
        live,
        signal: abort.signal,
        backoffOptions: { initialDelay: 50, maxDelay: 200, multiplier: 1.5 },
      });
      res.subscribeJson(async (batch) => {
        items.push(...batch.items);
        offsets.push(batch.offset);
      });
      await waitFor(() => items.length === 1, 5000, 'the first item');
      await stop(first);

      // Same port and data directory: the client's retries find the new process and its stream.
      const second = await serve(['--api-key', KEY, '--data', data, '--port', String(first.port)]);
      await handle.append(JSON.stringify({ n: 2 }));
      await waitFor(() => items.length >= 2, 10_000, 'the item written after the restart');
      await handle.append(JSON.stringify({ n: 3 }));
      await waitFor(() => items.length >= 3, 5000, 'one more item');
      expect(items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(offsets.at(-1)).toBe('0000000000000000_0000000000000003');
      abort.abort();
      await stop(second);
    }, 40_000);
  }
});
