import type { Duplex } from 'node:stream';
import { DirectSends, DirectWrite, loadSendMany, type SendMany } from '../internals/index.ts';

/**
 * A connection whose writes may be held until the end of the turn ({@link WriteTurns.hold}): its
 * socket, and the bytes held for it in this turn, if any. Either kind of held bytes has a `length`
 * in bytes, so a writer counts them in its backlog the same way.
 */
export interface TurnWriter {
  readonly socket: Duplex;
  held: Buffer | HeldFrames | undefined;
  /**
   * The socket's unsent bytes (`writableLength`) when the first of the held bytes was held. While it
   * holds bytes, the writer's backlog is this plus `held.length`, read without touching the socket:
   * the core checks a subscriber's backlog after every delivery, and in a fan-out to 10,000 sockets
   * each socket object read is a miss in the last-level cache (docs/performance.md, "Session 17").
   * Within the turn the socket's count only falls (its writes complete), but for a ping or close
   * frame of ws's own, a hundred bytes at most: the sum is never below the true backlog by more.
   */
  queuedBefore: number;
  /** How the socket is written past node's Writable (internals/direct-write.ts): null = it is not; undefined = not known yet. */
  direct: DirectWrite | null | undefined;
}

/**
 * Frames held in one turn, from a socket's second on: the frames held before (`before`) and one more
 * (`last`). Its frames never change, and it is shared: the subscribers of one channel are held the
 * same frames in the same order (each message's frame is made once), so the sockets that held the
 * same `before` share one node for the next frame ({@link WriteTurns.hold}), found through `next`
 * whether the core delivers message by message (one publish per turn) or socket by socket (a batch).
 * A turn of k publishes to n sockets makes k nodes, not n arrays of k frames, and a fan-out to
 * 10,000 sockets no longer touches a per-socket array for every message, which cost a miss in the
 * last-level cache per delivery (docs/performance.md, "Session 17"). The nodes of a turn live until
 * every socket holding one of them is written.
 */
export class HeldFrames {
  /** Bytes held, like a Buffer's `length`. */
  readonly length: number;
  /** All the frames as one buffer, once a socket holding them was written. */
  private joinedBytes: Buffer | undefined = undefined;
  /** The node last made from this one: the next socket holding this one and held the same frame shares it. */
  next: HeldFrames | undefined = undefined;

  constructor(
    readonly before: Buffer | HeldFrames,
    readonly last: Buffer,
  ) {
    this.length = before.length + last.length;
  }

  /** The frames in order as one buffer: joined once, then the same buffer for every socket holding them. */
  joined(): Buffer {
    if (this.joinedBytes !== undefined) return this.joinedBytes;
    const frames: Buffer[] = [];
    let node: Buffer | HeldFrames = this;
    while (node instanceof HeldFrames) {
      if (node.joinedBytes !== undefined) break;
      frames.push(node.last);
      node = node.before;
    }
    frames.push(node instanceof HeldFrames ? (node.joinedBytes as Buffer) : node);
    frames.reverse();
    this.joinedBytes = Buffer.concat(frames, this.length);
    return this.joinedBytes;
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
 * write per socket (when nothing else waits on the socket, past node's Writable: a whole share in one
 * call to the compiled sender where it was built, else straight to each socket's TCP handle;
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
  /** The node last made from a single frame: `next` of a frame (a Buffer), which cannot carry it. */
  private lastMade: HeldFrames | undefined = undefined;
  /** A share's direct writes, made after all its checks ({@link endTurn}). */
  private readonly directSends: DirectSends;

  /**
   * `internals`: whether sockets may be written past node's Writable (internals/switch.ts).
   * `writesPerTurn`: the most sockets written in one turn (tests make it small).
   * `sendMany`: the compiled sender of a share's direct writes, where it was built; null = node's handle.
   */
  constructor(
    private readonly internals = false,
    private readonly writesPerTurn = WRITES_PER_TURN,
    sendMany: SendMany | null = internals ? loadSendMany() : null,
  ) {
    this.directSends = new DirectSends(sendMany);
  }

  /** Writes `bytes` to `writer`'s socket at the end of this turn, in order with the rest of this turn's writes. */
  hold(writer: TurnWriter, bytes: Buffer): void {
    const held = writer.held;
    if (held !== undefined) {
      // Only the writer is read and written here, not its socket: in a fan-out to 10,000 sockets
      // every other object a delivery reads is a miss in the last-level cache.
      writer.held = held instanceof HeldFrames ? this.after(held, bytes) : this.afterFrame(held, bytes);
      return;
    }
    const socket = writer.socket;
    // Corked by someone else (none of Herald's code does): the socket keeps the order itself.
    if (socket.writableCorked !== 0) {
      socket.write(bytes);
      return;
    }
    this.schedule();
    writer.queuedBefore = socket.writableLength;
    writer.held = bytes;
    this.holding.push(writer);
  }

  /** Writes the bytes held for `writer` now (before any other write of its own to the socket). */
  flush(writer: TurnWriter): void {
    const bytes = this.take(writer);
    if (bytes === undefined) return;
    const direct = this.readyDirect(writer);
    if (direct !== null) direct.send(bytes);
    else this.writeThrough(writer.socket, bytes);
  }

  /** The bytes held for `writer`, as one buffer, now no longer held; undefined when it holds none. */
  private take(writer: TurnWriter): Buffer | undefined {
    const held = writer.held;
    if (held === undefined) return undefined;
    writer.held = undefined;
    return held instanceof HeldFrames ? held.joined() : held;
  }

  /** `writer`'s direct writer when a direct write may be made now; null when node's path must write. */
  private readyDirect(writer: TurnWriter): DirectWrite | null {
    let direct = writer.direct;
    if (direct === undefined) direct = writer.direct = DirectWrite.of(writer.socket, this.internals);
    return direct?.ready() ? direct : null;
  }

  /**
   * Writes through node's Writable, when a direct write may not be made. The direct write's check
   * covers a destroyed socket (it is not writable); only this path asks `destroyed`, which reads one
   * more object per socket (its readable state) in a fan-out to thousands (docs/performance.md,
   * "Session 13").
   */
  private writeThrough(socket: Duplex, bytes: Buffer): void {
    try {
      if (!socket.destroyed) socket.write(bytes);
    } catch {
      // One socket whose write throws loses its connection, not the others' bytes nor later turns.
      socket.destroy();
    }
  }

  /** `held` and `bytes` after it: the node already made for them, else a new one. */
  private after(held: HeldFrames, bytes: Buffer): HeldFrames {
    const next = held.next;
    if (next !== undefined && next.last === bytes) return next;
    const made = new HeldFrames(held, bytes);
    held.next = made;
    return made;
  }

  /** The frame `first` and `bytes` after it: the node last made for them, else a new one. */
  private afterFrame(first: Buffer, bytes: Buffer): HeldFrames {
    const made = this.lastMade;
    if (made !== undefined && made.before === first && made.last === bytes) return made;
    this.lastMade = new HeldFrames(first, bytes);
    return this.lastMade;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.endTurn);
  }

  /**
   * Writes a share of the held writers in two passes: first every check (each socket's state, read
   * from JavaScript), then the direct writes back to back ({@link DirectSends}). Checking and writing
   * socket by socket read each socket's objects just after the previous socket's system call, whose
   * kernel work had pushed them out of the caches: at one message per fan-out to 10,000 sockets that made this
   * function a third of the hub's user time (docs/performance.md, "Session 18"). A check stays true
   * until its write: nothing here writes to or closes one socket while writing another.
   */
  private readonly endTurn = (): void => {
    const holding = this.holding;
    const end = Math.min(holding.length, this.next + this.writesPerTurn);
    const directSends = this.directSends;
    // A writer whose held bytes were flushed early holds nothing now: it is skipped.
    for (let i = this.next; i < end; i++) {
      const writer = holding[i] as TurnWriter;
      const bytes = this.take(writer);
      if (bytes === undefined) continue;
      const direct = this.readyDirect(writer);
      if (direct !== null) directSends.add(direct, bytes);
      else this.writeThrough(writer.socket, bytes);
    }
    directSends.sendAll();
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
    this.lastMade = undefined;
  };
}
