/**
 * One published message as it travels from the engine to the sockets.
 *
 * `data` is the compact JSON text of the payload, serialized once at publish time. Transports turn a
 * message into bytes through a {@link Framer}; each framing is computed once per message and cached
 * here, so a fan-out to N subscribers of one transport writes the same Buffer N times. The live
 * fan-out drops the cache once it has written ({@link releaseFrames}).
 */
export class Message {
  /**
   * Cached framings, indexed by framer id. Always an array, emptied rather than dropped: a field that
   * is sometimes undefined cost ~110 instructions more per WebSocket delivery (fanout-callgrind).
   */
  private readonly frames: Array<Buffer | undefined> = [];

  constructor(
    readonly channel: string,
    readonly epoch: string,
    readonly offset: number,
    readonly event: string | undefined,
    /** The payload as compact JSON text. */
    readonly data: string,
    /** Server time, ms since the Unix epoch. */
    readonly time: number,
  ) {}

  /** The bytes of this message in `framer`'s framing, built on first use. */
  frame(framer: Framer): Buffer {
    let bytes = this.frames[framer.id];
    if (bytes === undefined) {
      bytes = framer.encode(this);
      this.frames[framer.id] = bytes;
    }
    return bytes;
  }

  /**
   * Forgets the cached framings. A message kept in history would otherwise hold one Buffer per
   * transport in use for as long as it is kept: about as many bytes again as the message itself,
   * copied by every young-generation GC it survives. A later reader frames it again.
   */
  releaseFrames(): void {
    this.frames.length = 0;
  }

  /** The message as a JSON object text: `{"channel","offset","event"?,"data","time"}`. */
  toJson(): string {
    const event = this.event === undefined ? '' : `,"event":${JSON.stringify(this.event)}`;
    return `{"channel":${JSON.stringify(this.channel)},"offset":${this.offset}${event},"data":${this.data},"time":${this.time}}`;
  }

  /** The message without its channel (pull answers for one channel). */
  toJsonWithoutChannel(): string {
    const event = this.event === undefined ? '' : `,"event":${JSON.stringify(this.event)}`;
    return `{"offset":${this.offset}${event},"data":${this.data},"time":${this.time}}`;
  }
}

let nextFramerId = 0;

/** A transport's way to turn a message into bytes. Create framers once, at module load. */
export interface Framer {
  readonly id: number;
  encode(message: Message): Buffer;
}

/** Creates a framer with a fresh cache slot. */
export function createFramer(encode: (message: Message) => Buffer): Framer {
  return { id: nextFramerId++, encode };
}
