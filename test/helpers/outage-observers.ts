import type { Subscription } from '@herald/client';
import { expect } from 'vitest';
import type { FetchStream, SseFrame, WsClient } from './clients.ts';

// What the subscribers of the outage tests saw (helpers/outage.ts), and the checks on it.

/** One publish attempt and its answer. */
export interface Attempt {
  seq: number;
  startedAt: number;
  ms: number;
  status: number;
  retryAfter: string | null;
  epoch?: string;
  offset?: number;
  /** The error code of a refused publish, for the failure message. */
  error?: string;
}

/** Something a subscriber received, with its arrival time. */
export type Seen =
  | { at: number; kind: 'message'; epoch: string; offset: number; seq: number }
  | { at: number; kind: 'reset'; epoch: string; from: number }
  | { at: number; kind: 'heartbeat' }
  | { at: number; kind: 'other'; text: string };

/**
 * The stream of a subscriber when the engine's storage came back empty (or was purged): the old
 * epoch's messages contiguous from 1 (only acknowledged ones), then one reset naming the new epoch
 * from 1, then the new epoch's history.
 */
export function checkResetStream(
  name: string,
  seen: readonly Seen[],
  epochBefore: string,
  epochAfter: string,
  preKill: readonly Attempt[],
  stored: ReadonlyMap<number, number>,
): void {
  const events = seen.filter((s) => s.kind === 'message' || s.kind === 'reset');
  const resetAt = events.findIndex((s) => s.kind === 'reset');
  expect(resetAt, `${name}: a reset`).toBeGreaterThanOrEqual(0);
  const before = events.slice(0, resetAt);
  const reset = events[resetAt];
  const after = events.slice(resetAt + 1);
  expect(reset, `${name}: the reset`).toMatchObject({ kind: 'reset', epoch: epochAfter, from: 1 });
  expect(describeEvents(before), `${name}: before the reset`).toEqual(
    preKill.slice(0, before.length).map((p) => `${epochBefore}:${p.offset}:${p.seq}`),
  );
  // Acknowledged messages a node had not relayed when the storage went are gone with the epoch, and the reset
  // covers them, so only a non-empty prefix is required here.
  expect(before.length, `${name}: messages delivered before the outage`).toBeGreaterThan(0);
  expect(describeEvents(after), `${name}: after the reset`).toEqual(
    [...stored].map(([offset, seq]) => `${epochAfter}:${offset}:${seq}`),
  );
}

/** Messages as `epoch:offset:seq`, resets as `reset epoch:from`. */
export function describeEvents(seen: readonly Seen[]): string[] {
  return seen.flatMap((s) => {
    if (s.kind === 'message') return [`${s.epoch}:${s.offset}:${s.seq}`];
    if (s.kind === 'reset') return [`reset ${s.epoch}:${s.from}`];
    return [];
  });
}

export function lastMessage(seen: readonly Seen[]): (Seen & { kind: 'message' }) | undefined {
  for (let i = seen.length - 1; i >= 0; i--) {
    const s = seen[i];
    if (s?.kind === 'message') return s;
  }
  return undefined;
}

/** What a raw SSE subscriber of one channel sees; heartbeats included. */
export function readSse(stream: FetchStream<SseFrame>): Seen[] {
  const seen: Seen[] = [];
  let epoch = '';
  stream.frames.tap((f) => {
    const at = Date.now();
    if (f.kind === 'comment') seen.push({ at, kind: 'heartbeat' });
    else if (f.kind === 'retry') return;
    else if (f.event === 'herald.subscribed') epoch = (JSON.parse(f.data) as { epoch: string }).epoch;
    else if (f.event === 'herald.reset') {
      const r = JSON.parse(f.data) as { epoch: string; from: number };
      epoch = r.epoch;
      seen.push({ at, kind: 'reset', epoch: r.epoch, from: r.from });
    } else if (f.event === undefined && f.id !== undefined) {
      const [e = '', offset = ''] = f.id.split(':');
      epoch = e;
      seen.push({
        at,
        kind: 'message',
        epoch,
        offset: Number(offset),
        seq: (JSON.parse(f.data) as { seq: number }).seq,
      });
    } else seen.push({ at, kind: 'other', text: `${f.event}: ${f.data}` });
  });
  return seen;
}

/** What an SDK subscription delivers: messages and resets, in order. */
export function readSdk(sub: Subscription): Seen[] {
  const seen: Seen[] = [];
  sub.on('message', (m) => {
    const epoch = m.cursor.slice(0, m.cursor.lastIndexOf(':'));
    seen.push({ at: Date.now(), kind: 'message', epoch, offset: m.offset, seq: (m.data as { seq: number }).seq });
  });
  sub.on('reset', (r) => seen.push({ at: Date.now(), kind: 'reset', epoch: r.epoch, from: r.from }));
  sub.on('error', (e) => seen.push({ at: Date.now(), kind: 'other', text: `error ${e.code}` }));
  return seen;
}

/** What a raw multiplexed WebSocket subscriber sees (epochs from the subscribe answer and resets). */
export function readWs(ws: WsClient): Seen[] {
  const seen: Seen[] = [];
  let epoch = '';
  ws.frames.tap((f) => {
    const at = Date.now();
    if (f.op === 'ok' && f.ref === 1) epoch = f.epoch as string;
    else if (f.op === 'reset') {
      epoch = f.epoch as string;
      seen.push({ at, kind: 'reset', epoch, from: f.from as number });
    } else if (f.op === 'message') {
      seen.push({ at, kind: 'message', epoch, offset: f.offset as number, seq: (f.data as { seq: number }).seq });
    } else if (f.op !== 'pong') seen.push({ at, kind: 'other', text: JSON.stringify(f) });
  });
  return seen;
}

/** Sends `op: ping` and waits up to 1 s for the pong. */
export async function wsPing(ws: WsClient, ref: number): Promise<boolean> {
  ws.send({ op: 'ping', ref });
  return ws.frames
    .waitFor(() => ws.frames.all.some((f) => f.op === 'pong' && f.ref === ref), 1_000, 'pong')
    .then(
      () => true,
      () => false,
    );
}
