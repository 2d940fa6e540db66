import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** A libuv stream handle's write, as node's stream_wrap binding exposes it (src/stream_base.cc). */
interface StreamHandle {
  writeBuffer(req: WriteReq, bytes: Buffer): number;
}

/**
 * node's WriteWrap: what libuv completes a write on when the kernel did not take all of it at once.
 * node's C++ only makes it a request (and keeps it) in that case; a write the kernel took whole
 * leaves the object untouched, so one object serves every such write.
 */
interface WriteReq {
  oncomplete: (this: WriteReq, status: number) => void;
  /** Keeps the bytes alive until libuv has sent them (node's own writes do the same). */
  buffer: Buffer | null;
  /** The writer whose write this is, while it is in flight. */
  owner: DirectWrite | null;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

interface Bindings extends StreamWrapBinding {
  TCP: abstract new () => StreamHandle;
}

/**
 * node's stream_wrap and tcp_wrap bindings, read on first use; null when they cannot be had or do not
 * look as expected, and every socket then takes node's own path. process.binding is deprecated
 * (DEP0111, documentation-only): under `--pending-deprecation` it warns once, and with
 * `--throw-deprecation` too that warning would end the process, so then it is not called.
 */
let bindings: Bindings | null | undefined;

function loadBindings(): Bindings | null {
  if (process.throwDeprecation) return null;
  try {
    const node = process as unknown as { binding(name: string): unknown };
    const streamWrap = node.binding('stream_wrap') as Partial<StreamWrapBinding>;
    const { TCP } = node.binding('tcp_wrap') as { TCP?: Bindings['TCP'] };
    const { WriteWrap, streamBaseState, kLastWriteWasAsync } = streamWrap;
    if (
      typeof WriteWrap !== 'function' ||
      !(streamBaseState instanceof Int32Array) ||
      typeof kLastWriteWasAsync !== 'number' ||
      typeof TCP !== 'function'
    ) {
      return null;
    }
    return { WriteWrap, streamBaseState, kLastWriteWasAsync, TCP };
  } catch {
    return null;
  }
}

/** @herald/send-many's `sendMany`: one send(2) per socket for a whole share, in one call. */
export type SendMany = (
  fds: Int32Array,
  bufferOf: Int32Array,
  buffers: readonly Buffer[],
  count: number,
  results: Int32Array,
) => void;

let sendManyLoaded: SendMany | null | undefined;

/**
 * The compiled sender, or null where it was not built (it is an optional dependency, compiled at
 * install) or cannot be loaded: then every direct write goes through node's stream handle.
 */
export function loadSendMany(): SendMany | null {
  if (sendManyLoaded !== undefined) return sendManyLoaded;
  try {
    const loaded = createRequire(import.meta.url)('@herald/send-many') as { sendMany?: unknown };
    sendManyLoaded = typeof loaded.sendMany === 'function' ? (loaded.sendMany as SendMany) : null;
  } catch {
    sendManyLoaded = null;
  }
  return sendManyLoaded;
}

/** The request object the next write uses: reused until a write leaves it with libuv. */
let spare: WriteReq | null = null;

function onWriteComplete(this: WriteReq, status: number): void {
  const owner = this.owner;
  this.owner = null;
  this.buffer = null;
  if (owner === null) return;
  owner.inFlight = false;
  // node's own writes destroy the socket on a failed write too; no error is passed, as a peer that
  // reset is ordinary and the socket's 'close' is what every connection cleans up on.
  if (status < 0) owner.socket.destroy();
}

/**
 * Writes to one TCP socket's libuv handle directly, past node's Writable, when nothing else is
 * queued on the socket: the write turns' one write per socket per turn (transports/write-turns.ts).
 *
 * Why: a `socket.write` of one buffer costs ~2,000 instructions around the system call (the
 * Writable's state, a WriteWrap made in C++, a nextTick per socket for the write's callback, net's
 * timer refresh through a megamorphic load, and the handle's getter through another), more than half
 * of what a delivery cost (bench/tools/fanout-callgrind.ts, docs/performance.md). This does what
 * node's `writeGeneric` does with the handle and nothing else.
 *
 * Order and accounting stay node's: a direct write is made only when the socket's Writable holds
 * nothing (so nothing written before it is still waiting) and no direct write of this socket is still
 * in flight; otherwise the caller writes through `socket.write`, which libuv queues after whatever it
 * still holds. So at most one buffer per socket is outside the Writable's count (`writableLength`,
 * which the slow-consumer rule reads) at any time. A socket with an idle timeout (`setTimeout`, which
 * node refreshes on every write) or not open for writing takes the ordinary path.
 */
export class DirectWrite {
  /** A direct write that libuv still holds (the kernel did not take it whole). */
  inFlight = false;
  /** The socket's file descriptor, for {@link DirectSends}; -1 where node does not give it. */
  readonly fd: number;

  private constructor(
    readonly socket: Socket,
    private readonly handle: StreamHandle,
  ) {
    const fd = (handle as { fd?: unknown }).fd;
    this.fd = Number.isInteger(fd) && (fd as number) >= 0 ? (fd as number) : -1;
  }

  /** The direct writer for `socket`, or null when it is not a plain TCP socket (or internals are off). */
  static of(socket: Duplex, internals: boolean): DirectWrite | null {
    if (!internals || !(socket instanceof Socket)) return null;
    if (bindings === undefined) bindings = loadBindings();
    if (bindings === null) return null;
    const handle = (socket as unknown as { _handle: unknown })._handle;
    return handle instanceof bindings.TCP ? new DirectWrite(socket, handle) : null;
  }

  /**
   * Whether a direct write may be made now; when not, the socket's own path must write. It stays true
   * until something writes to this socket or closes it.
   */
  ready(): boolean {
    const socket = this.socket;
    return !(this.inFlight || socket.writableLength !== 0 || !socket.writable || socket.connecting || socket.timeout);
  }

  /** Writes `bytes` straight to the handle; only after {@link ready} said so. */
  send(bytes: Buffer): void {
    // Loaded by `of`, which made this writer.
    const node = bindings as Bindings;
    let req = spare;
    if (req === null) {
      req = new node.WriteWrap();
      req.oncomplete = onWriteComplete;
      req.buffer = null;
      req.owner = null;
      spare = req;
    }
    const err = this.handle.writeBuffer(req, bytes);
    // node's stream_wrap: 0, or a negative libuv error that its own write path also ends the socket on.
    if (err !== 0) {
      this.socket.destroy();
    } else if (node.streamBaseState[node.kLastWriteWasAsync] !== 0) {
      spare = null;
      req.buffer = bytes;
      req.owner = this;
      this.inFlight = true;
    }
  }
}

/** Arrays the compiled sender reads, grown to the largest share seen. */
const INITIAL_CAPACITY = 256;

/**
 * A share's direct writes, collected by {@link add} and made by {@link sendAll}. With the compiled
 * sender (@herald/send-many) the whole share is one call into C that makes one send(2) per socket;
 * without it, each write goes through node's stream handle ({@link DirectWrite.send}).
 *
 * Why: at one message per fan-out each socket gets its own system call, and the hub's time per
 * delivery is that call plus what it takes to reach it. Through node each write crosses into C++
 * (`StreamBase::WriteBuffer`) and libuv (`uv_try_write`), reading the socket's handle, its C++ object
 * and libuv's stream on the way, all cold in a fan-out to thousands, and libuv's `write` adds the
 * file layer that `send` does not go through (docs/performance.md, "Session 19"). A socket is
 * given to the sender only when {@link DirectWrite.ready} said so, which means libuv holds nothing
 * for it: libuv's own `uv_try_write` would make the same system call.
 *
 * What the kernel did not take goes through node's handle after the call: the rest of a short send,
 * or the whole buffer after a failed one (EAGAIN: libuv queues it and counts it in flight; any
 * other error: node's write fails the same way and the socket is destroyed). Bytes sent this way are
 * not in the socket's `bytesWritten`, which counts what passed node's handle; Herald does not read it.
 */
export class DirectSends {
  private readonly writers: (DirectWrite | undefined)[] = [];
  private readonly bytes: (Buffer | undefined)[] = [];
  private count = 0;
  private fds = new Int32Array(INITIAL_CAPACITY);
  private bufferOf = new Int32Array(INITIAL_CAPACITY);
  private results = new Int32Array(INITIAL_CAPACITY);
  private readonly buffers: Buffer[] = [];

  /** `sendMany`: the compiled sender ({@link loadSendMany}); null = node's handle for every write. */
  constructor(private readonly sendMany: SendMany | null) {}

  /** Sends `bytes` to `direct`'s socket at {@link sendAll}; only after its `ready()` said so. */
  add(direct: DirectWrite, bytes: Buffer): void {
    const k = this.count++;
    this.writers[k] = direct;
    this.bytes[k] = bytes;
    if (this.sendMany === null) return;
    if (k === this.fds.length) this.grow();
    const buffers = this.buffers;
    // The sockets of one fan-out are mostly given the same buffer: it is passed once.
    if (buffers.length === 0 || buffers[buffers.length - 1] !== bytes) buffers.push(bytes);
    // A socket without a descriptor (-1) fails with EBADF there and goes through node after.
    this.fds[k] = direct.fd;
    this.bufferOf[k] = buffers.length - 1;
  }

  /** Makes every write added since the last call, and forgets them. */
  sendAll(): void {
    const count = this.count;
    if (count === 0) return;
    this.count = 0;
    const native = this.sendMany !== null;
    const results = native ? this.sendNative(count) : null;
    for (let k = 0; k < count; k++) {
      const direct = this.writers[k] as DirectWrite;
      let bytes = this.bytes[k] as Buffer;
      this.writers[k] = undefined;
      this.bytes[k] = undefined;
      if (native) {
        if (results === null) {
          // The call threw (a bug, not the network): which sockets it wrote is not known, and a
          // connection that may have lost or repeated bytes is closed; its client resumes from its cursor.
          direct.socket.destroy();
          continue;
        }
        const sent = results[k] as number;
        if (sent === bytes.length) continue;
        if (sent > 0) bytes = bytes.subarray(sent);
      }
      try {
        direct.send(bytes);
      } catch {
        // One socket whose write throws loses its connection, not the others' bytes nor later turns.
        direct.socket.destroy();
      }
    }
  }

  /** One call to the compiled sender for the first `count` writes; null when it threw. */
  private sendNative(count: number): Int32Array | null {
    try {
      (this.sendMany as SendMany)(this.fds, this.bufferOf, this.buffers, count, this.results);
      return this.results;
    } catch {
      return null;
    } finally {
      this.buffers.length = 0;
    }
  }

  private grow(): void {
    const capacity = this.fds.length * 2;
    const fds = new Int32Array(capacity);
    const bufferOf = new Int32Array(capacity);
    fds.set(this.fds);
    bufferOf.set(this.bufferOf);
    this.fds = fds;
    this.bufferOf = bufferOf;
    this.results = new Int32Array(capacity);
  }
}
