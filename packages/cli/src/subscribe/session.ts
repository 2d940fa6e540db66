import { parseCursor } from '@herald/protocol';
import type { CliIo } from '../io.ts';

/** A message as the transports receive it; `channel` is absent in pull bodies. */
export interface IncomingMessage {
  readonly channel?: string;
  readonly offset: number;
  readonly event?: string;
  readonly data: unknown;
  readonly time: number;
}

/**
 * What one `herald subscribe` run knows across reconnects: the cursor (the last position printed), the
 * epoch it belongs to, and how many messages are still wanted. Every transport reports to it, so each
 * message is printed once whichever connection brought it.
 */
export class Session {
  /** Where to resume: `<epoch>:<offset>`, `0`, or undefined before the position is known. */
  cursor: string | undefined;
  /** Aborted when the run is over (count reached or interrupted); transports stop with it. */
  readonly stop = new AbortController();
  /** Messages printed so far. */
  printed = 0;
  /** Connections confirmed so far (the first one says "subscribed", the others "reconnected"). */
  private connections = 0;
  /** Whether `--after` was given: without it only new messages come, which the first status line says. */
  private readonly resumed: boolean;

  constructor(
    readonly channel: string,
    private readonly io: CliIo,
    private readonly count: number | undefined,
    after: string | undefined,
  ) {
    this.cursor = after;
    this.resumed = after !== undefined;
  }

  /**
   * A connection over `transport` is confirmed working: one status line on stderr (stdout carries
   * messages alone, so a pipe stays clean), "subscribed" the first time and "reconnected" after.
   */
  connected(transport: string): void {
    if (this.done) return;
    const first = this.connections++ === 0;
    const at =
      this.cursor === undefined || this.cursor === '0' ? 'from the oldest message kept' : `after ${this.cursor}`;
    let line: string;
    if (!first) line = `reconnected to ${this.channel} over ${transport}, resuming ${at}`;
    else if (this.resumed) line = `subscribed to ${this.channel} over ${transport}, ${at}`;
    else
      line = `subscribed to ${this.channel} over ${transport}: new messages only (--after 0 for the history the hub keeps)`;
    this.io.err(`herald subscribe: ${line}\n`);
  }

  /** True once the run is over. */
  get done(): boolean {
    return this.stop.signal.aborted;
  }

  /** The epoch of the cursor, if it has one. */
  get epoch(): string | undefined {
    const c = this.cursor === undefined ? undefined : parseCursor(this.cursor);
    return typeof c === 'object' ? c.epoch : undefined;
  }

  /** A transport said where delivery starts (NDJSON / WebSocket `subscribed`, channel info). */
  position(cursor: string): void {
    if (!this.done) this.cursor = cursor;
  }

  /** Prints a message of `epoch` as one NDJSON line, unless it is at or before the cursor. */
  message(m: IncomingMessage, epoch: string | undefined = this.epoch): void {
    if (this.done || epoch === undefined) return;
    const at = this.cursor === undefined ? undefined : parseCursor(this.cursor);
    if (typeof at === 'object' && at.epoch === epoch && m.offset <= at.offset) return;
    const cursor = `${epoch}:${m.offset}`;
    const line = {
      channel: m.channel ?? this.channel,
      offset: m.offset,
      event: m.event,
      data: m.data,
      time: m.time,
      cursor,
    };
    this.io.out(`${JSON.stringify(line)}\n`);
    this.cursor = cursor;
    this.printed++;
    if (this.count !== undefined && this.printed >= this.count) this.stop.abort();
  }

  /** Prints a reset (`{"reset": {channel, epoch, from}}`) and moves the cursor to just before `from`. */
  reset(epoch: string, from: number): void {
    if (this.done) return;
    this.io.out(`${JSON.stringify({ reset: { channel: this.channel, epoch, from } })}\n`);
    this.cursor = `${epoch}:${from - 1}`;
  }
}
