// Scenario C's "retained" readings: a Node hub started with `--inspect=127.0.0.1:0` is asked, over its
// inspector WebSocket, for a full GC before its RSS is read, so that what is read is what the
// connections keep rather than garbage and a young generation grown for the burst of connections.
// The product has no hook for this: the inspector is node's own, and nothing else of the hub changes.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

/** The flag that gives a Node hub an inspector on a free loopback port (printed to its stderr). */
export const INSPECT_FLAG = '--inspect=127.0.0.1:0';

/** The inspector's WebSocket URL from the hub's log ("Debugger listening on ws://…"), if printed. */
export function inspectorUrl(logFile: string): string | undefined {
  try {
    return /Debugger listening on (ws:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** What the hub's heap holds once the GC has run. */
export interface AfterGc {
  /** V8 heap used, bytes (Runtime.getHeapUsage) */
  heapUsed: number;
  /** V8's young generation, bytes committed (both semi-spaces), or undefined if not read */
  newSpaceBytes: number | undefined;
}

/**
 * Runs `HeapProfiler.collectGarbage` (V8's LowMemoryNotification: full GCs until nothing more is
 * freed, which also shrinks the young generation back to its minimum) and reads the heap after it.
 * One session per reading, closed at once: an attached inspector slows nothing while idle, but the
 * hub should not carry a session through the other scenarios' windows.
 */
export async function collectGarbage(url: string, timeoutMs = 60_000): Promise<AfterGc> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const pending = new Map<number, (result: unknown) => void>();
  let nextId = 1;
  ws.on('message', (data) => {
    const reply = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (reply.id === undefined) return;
    const done = pending.get(reply.id);
    pending.delete(reply.id);
    done?.(reply.error ? new Error(reply.error.message) : reply.result);
  });
  const call = (method: string, params: object = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, (r) => (r instanceof Error ? reject(r) : resolve(r)));
      ws.send(JSON.stringify({ id, method, params }));
    });
  const timer = setTimeout(() => ws.terminate(), timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('close', () => reject(new Error(`inspector ${url} closed`)));
    });
    const closed = new Promise<never>((_, reject) =>
      ws.once('close', () => reject(new Error(`inspector ${url} closed before answering`))),
    );
    await Promise.race([call('HeapProfiler.collectGarbage'), closed]);
    const usage = (await Promise.race([call('Runtime.getHeapUsage'), closed])) as { usedSize: number };
    return { heapUsed: usage.usedSize, newSpaceBytes: await newSpace(call, closed) };
  } finally {
    clearTimeout(timer);
    ws.close();
  }
}

/** The young generation's committed size, read by evaluating node's own v8 module in the hub. */
async function newSpace(
  call: (method: string, params?: object) => Promise<unknown>,
  closed: Promise<never>,
): Promise<number | undefined> {
  const expression =
    "process.getBuiltinModule?.('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size";
  const reply = (await Promise.race([call('Runtime.evaluate', { expression, returnByValue: true }), closed])) as {
    result?: { value?: unknown };
  };
  const value = reply.result?.value;
  return typeof value === 'number' ? value : undefined;
}
