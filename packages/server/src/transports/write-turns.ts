import type { Duplex } from 'node:stream';
import { DirectWrite } from '../internals/index.ts';

/**
 * A connection whose writes may be held until the end of the turn ({@link WriteTurns.hold}): its
 * socket, and the bytes held for it in this turn, if any. Either kind of held bytes has a `length`
 * in bytes, so a writer counts them in its backlog the same way.
 */
export interface TurnWriter {
  readonly socket: Duplex;
  held: Buffer | HeldFrames | undefined;
  /** How the socket is written past node's Writable (internals/direct-write.ts): null = it is not; undefined = not known yet. */
  direct: DirectWrite | null | undefined;
}

/** The frames held for one socket in one turn from its second on: written at the end of the turn as one buffer. */
export class HeldFrames {
  readonly frames: Buffer[];
  /** Bytes held, like a Buffer's `length`. */
  length: number;

  constructor(first: Buffer, second: Buffer) {
    this.frames = [first, second];
    this.length = first.length + second.length;
  }

  add(bytes: Buffer): void {
    this.frames.push(bytes);
    this.length += bytes.length;
  }

  /** True when `other` holds the same frames (the same buffers, in the same order). */
  same(other: HeldFrames): boolean {
    const a = this.frames;
    const b = other.frames;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
}

/**
 * At most this many sockets are written in one turn of the event loop; the rest in the next turns.
 * A fan-out to 10,000 sockets takes ~90 ms of writes on a VM where a loopback write costs ~9 µs
 * (BENCHMARKS.md, session 12); written in one go, it keeps the hub from reading anything for that
 * long, so a publish arriving meanwhile waits for the whole fan-out and then costs 10,000 writes of
 * its own. Between shares the loop reads it, and its frame joins the bytes still held for the
 * sockets not yet written: they get both messages in one write (docs/performance.md, "Session 13").
 * A share of 256 is ~2.3 ms of writes. Session 13's 1,024 (~9 ms) left a fan-out to 1,000 sockets
 * in one share, so a publisher waiting for each answer before its next publish waited a whole
 * fan-out: 16 such publishers could not offer more than ~900 msg/s, where a share of 256 carries
 * 1.8M deliveries/s to 1,000 sockets at p99 < 100 ms (docs/performance.md, "Session 15").
 */
const WRITES_PER_TURN = 256;

/** Written writers are dropped from the front of the list after this many turns' shares. */
const COMPACT_AFTER = 8;

/**
 * Coalesces what the hub writes to each socket within one turn of the event loop (docs/performance.md,
 * "What makes Herald fast and small"; measured in BENCHMARKS.md). Every live connection (WebSocket,
 * SSE, NDJSON) writes through {@link hold}.
 *
 * Nothing is written at once: a socket's writes in a turn wait on its writer and leave at the end of
 * the turn, in one setImmediate that runs right after this iteration's I/O callbacks, as one plain
 * write per socket (straight to the socket's TCP handle when nothing else waits on it:
 * internals/direct-write.ts), at most {@link WRITES_PER_TURN} sockets a turn. Every publish handled
 * in that turn (all the POSTs that one poll of the event loop found ready) then costs one system
 * call per socket, not one per frame. A hub that keeps up handles one publish per turn and its
 * frames leave at the end of the same iteration (microseconds later); a hub that falls behind finds
 * more publishes per turn, so each turn costs less per message, which is what lets one core catch up.
 *
 * Several frames for one socket are joined into one buffer rather than corked and written one by one:
 * the Writable's per-chunk buffering and node's `writev`, which reads each chunk back out of a
 * JavaScript array in C++, cost more per frame than copying ~100 bytes. The subscribers of one channel
 * are held the same frames (each message's frame is made once and shared), so the buffer joined for
 * one socket is reused for the next one holding the same frames: a turn of k publishes to n sockets
 * joins once and writes n times (bench/tools/fanout-callgrind.ts --batch). A writer must send what it
 * holds ({@link flush}) before anything it writes to the socket by another way, and count it in its
 * backlog.
 */
export class WriteTurns {
  /** Writers holding bytes, in the order they started holding; those before `next` are written. */
  private holding: TurnWriter[] = [];
  private next = 0;
  private scheduled = false;
  /** The frames last joined in this turn, and their buffer: what the next socket with the same frames gets. */
  private lastFrames: HeldFrames | undefined = undefined;
  private lastJoined: Buffer | undefined = undefined;

  /**
   * `internals`: whether sockets may be written past node's Writable (internals/switch.ts).
   * `writesPerTurn`: the most sockets written in one turn (tests make it small).
   */
  constructor(
    private readonly internals = false,
    private readonly writesPerTurn = WRITES_PER_TURN,
  ) {}

  /** Writes `bytes` to `writer`'s socket at the end of this turn, in order with the rest of this turn's writes. */
  hold(writer: TurnWriter, bytes: Buffer): void {
    const socket = writer.socket;
    // Corked by someone else (none of Herald's code does): the socket keeps the order itself.
    if (socket.writableCorked !== 0) {
      socket.write(bytes);
      return;
    }
    const held = writer.held;
    if (held === undefined) {
      this.schedule();
      writer.held = bytes;
      this.holding.push(writer);
    } else if (held instanceof HeldFrames) held.add(bytes);
    else writer.held = new HeldFrames(held, bytes);
  }

  /** Writes the bytes held for `writer` now (before any other write of its own to the socket). */
  flush(writer: TurnWriter): void {
    const held = writer.held;
    if (held === undefined) return;
    writer.held = undefined;
    const bytes = held instanceof HeldFrames ? this.joined(held) : held;
    let direct = writer.direct;
    if (direct === undefined) direct = writer.direct = DirectWrite.of(writer.socket, this.internals);
    // The direct write checks that the socket is writable, which a destroyed one is not; only the
    // other path asks `destroyed`, which reads one more object per socket (its readable state) in a
    // fan-out to thousands (docs/performance.md, "Session 13").
    if (direct?.write(bytes)) return;
    if (!writer.socket.destroyed) writer.socket.write(bytes);
  }

  /** One buffer of `held`'s frames: the last one joined when it holds the same frames. */
  private joined(held: HeldFrames): Buffer {
    if (this.lastJoined !== undefined && this.lastFrames?.same(held)) return this.lastJoined;
    const joined = Buffer.concat(held.frames, held.length);
    this.lastFrames = held;
    this.lastJoined = joined;
    return joined;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.endTurn);
  }

  private readonly endTurn = (): void => {
    const holding = this.holding;
    const end = Math.min(holding.length, this.next + this.writesPerTurn);
    // A writer whose held bytes were flushed early holds nothing now: flush does nothing then.
    for (let i = this.next; i < end; i++) {
      const writer = holding[i] as TurnWriter;
      try {
        this.flush(writer);
      } catch {
        // One socket whose write throws loses its connection, not the others' bytes nor later turns.
        writer.socket.destroy();
      }
    }
    if (end < holding.length) {
      // More than a turn's share: the rest waits for the next turn, which reads what arrived meanwhile.
      this.next = end;
      if (end >= COMPACT_AFTER * this.writesPerTurn) {
        this.holding = holding.slice(end);
        this.next = 0;
      }
      setImmediate(this.endTurn);
      return;
    }
    this.holding = [];
    this.next = 0;
    this.scheduled = false;
    this.lastFrames = undefined;
    this.lastJoined = undefined;
  };
}
