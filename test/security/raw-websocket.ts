import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** A WebSocket opened by hand over TCP, for frames no well-behaved client would send. */
export interface RawSocket {
  readonly socket: Socket;
  readonly status: number;
  /** The handshake answer (status line and headers). */
  readonly head: string;
  /** Text of the data frames received so far. */
  readonly texts: string[];
  /** The close code the server sent, once it did. */
  closeCode(timeoutMs?: number): Promise<number | 'none'>;
  /** Waits until a text frame matches. */
  text(predicate: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Sends a masked client frame. */
  send(opcode: number, payload: Buffer | string, options?: FrameOptions): void;
  /** Resolves when the TCP socket has closed. */
  closed(timeoutMs?: number): Promise<boolean>;
}

/** Options of a hand-made frame. */
export interface FrameOptions {
  fin?: boolean;
  mask?: boolean;
  rsv?: number;
  /** Announce this payload length instead of the real one (length-overflow attacks). */
  announce?: bigint;
}

/** Builds a client frame by hand (RFC 6455 section 5.2). */
export function buildFrame(opcode: number, payload: Buffer | string, options: FrameOptions = {}): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const { fin = true, mask = true, rsv = 0 } = options;
  const length = options.announce ?? BigInt(body.length);
  const head: number[] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const m = mask ? 0x80 : 0;
  if (length < 126n) head.push(m | Number(length));
  else if (length < 65_536n) head.push(m | 126, Number(length >> 8n), Number(length & 0xffn));
  else {
    head.push(m | 127);
    for (let i = 7; i >= 0; i--) head.push(Number((length >> BigInt(i * 8)) & 0xffn));
  }
  if (!mask) return Buffer.concat([Buffer.from(head), body]);
  const key = randomBytes(4);
  const masked = Buffer.from(body);
  for (let i = 0; i < masked.length; i++) masked[i] = (masked[i] as number) ^ (key[i % 4] as number);
  return Buffer.concat([Buffer.from(head), key, masked]);
}

/** Raw sockets opened by tests, so a case that fails half-way cannot leak one into the next. */
const opened = new Set<Socket>();

/** Destroys every raw socket a test left open. */
export function destroyRawSockets(): void {
  for (const s of opened) s.destroy();
  opened.clear();
}

/**
 * Opens a WebSocket by hand; `status` is the handshake answer (101 or a refusal). `floodHead` is raw
 * header text sent before the WebSocket headers (so a flood can push them past Node's header count).
 */
export function rawWebSocket(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  floodHead = '',
): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    opened.add(socket);
    socket.once('close', () => opened.delete(socket));
    let buffer = Buffer.alloc(0);
    let head: string | undefined;
    let code: number | undefined;
    const texts: string[] = [];
    const listeners = new Set<() => void>();
    let ended = false;
    const notify = (): void => {
      for (const l of [...listeners]) l();
    };
    const parse = (): void => {
      for (;;) {
        if (buffer.length < 2) return;
        const b1 = buffer[1] as number;
        let len = b1 & 0x7f;
        let offset = 2;
        if (len === 126) {
          if (buffer.length < 4) return;
          len = buffer.readUInt16BE(2);
          offset = 4;
        } else if (len === 127) {
          if (buffer.length < 10) return;
          len = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffer.length < offset + len) return;
        const opcode = (buffer[0] as number) & 0x0f;
        const payload = buffer.subarray(offset, offset + len);
        buffer = buffer.subarray(offset + len);
        if (opcode === 0x8) code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        if (opcode === 0x1) texts.push(payload.toString());
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (head === undefined) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        head = buffer.subarray(0, end).toString('latin1');
        buffer = buffer.subarray(end + 4);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        resolve(api(status, head));
      }
      parse();
      notify();
    });
    const onEnd = (): void => {
      ended = true;
      if (head === undefined) resolve(api(0, ''));
      notify();
    };
    socket.on('close', onEnd);
    socket.on('error', () => {});
    socket.on('connect', () => {
      const lines = [
        `GET ${path} HTTP/1.1`,
        `Host: 127.0.0.1\r\n${floodHead}`.replace(/\r\n$/, ''),
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    setTimeout(() => {
      if (head === undefined) reject(new Error('no handshake answer within 5 s'));
    }, 5_000).unref();

    function waitFor<T>(check: () => T | undefined, timeoutMs: number, fallback: T): Promise<T> {
      return new Promise((done) => {
        const tryNow = (): boolean => {
          const v = check();
          if (v === undefined && !ended) return false;
          listeners.delete(onChange);
          clearTimeout(timer);
          done(v ?? fallback);
          return true;
        };
        const onChange = (): void => {
          tryNow();
        };
        const timer = setTimeout(() => {
          listeners.delete(onChange);
          done(check() ?? fallback);
        }, timeoutMs);
        listeners.add(onChange);
        tryNow();
      });
    }

    function api(status: number, text: string): RawSocket {
      return {
        socket,
        status,
        head: text,
        texts,
        closeCode: (timeoutMs = 3_000) => waitFor<number | 'none'>(() => code, timeoutMs, 'none'),
        text: (predicate, timeoutMs = 3_000) =>
          waitFor(() => texts.find(predicate), timeoutMs, '').then((t) => {
            if (t === '') throw new Error(`no matching frame; got ${JSON.stringify(texts.slice(-3))}`);
            return t;
          }),
        send: (opcode, payload, options) => {
          if (!socket.destroyed) socket.write(buildFrame(opcode, payload, options));
        },
        closed: (timeoutMs = 3_000) => waitFor(() => (socket.destroyed || ended ? true : undefined), timeoutMs, false),
      };
    }
  });
}
