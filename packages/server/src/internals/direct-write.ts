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

  private constructor(
    readonly socket: Socket,
    private readonly handle: StreamHandle,
  ) {}

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
