// Pull subscribers: long polling (a request held until a message arrives, then at once the next)
// and plain polling (a request every pollIntervalMs). One keep-alive socket per subscriber, as a
// browser tab would hold. Two dialects:
// - herald (contract section 3): `?wait=S&after=<cursor>` / `?after=<cursor>`; the answer's
//   `cursor` is where to continue, 204 = nothing new (its ETag is the cursor).
// - nchan: one message per answer; continue with If-Modified-Since / If-None-Match from the
//   previous answer's Last-Modified / Etag; 304 = nothing new.
import { Agent, type ClientRequest, type IncomingMessage, request } from 'node:http';
import type { Dialect, Transport } from '../lib/ipc.ts';
import type { Closable, OpenSpec } from './open-spec.ts';
import { sentAtFromString } from './timestamp.ts';

/** Herald holds a long poll up to 25 s by default: ask for less, so the server's cap never cuts it. */
const WAIT_SECONDS = 20;
const MARK = '{"t":';

interface Position {
  cursor: string | undefined;
  lastModified: string | undefined;
  etag: string | undefined;
}

interface HeraldPage {
  cursor?: string;
  more?: boolean;
}

class PullLoop implements Closable {
  private readonly agent: Agent;
  private readonly slot: number;
  private readonly position: Position = { cursor: undefined, lastModified: undefined, etag: undefined };
  private current: ClientRequest | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closedFlag = false;
  private isOpen = false;

  constructor(
    private readonly spec: OpenSpec,
    private readonly transport: Extract<Transport, 'longpoll' | 'poll'>,
    private readonly dialect: Dialect,
    private readonly onFirst: (err?: Error) => void,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 1 });
    this.slot = spec.tally.slot(transport);
  }

  private target(): { url: string; headers: Record<string, string> } {
    const headers: Record<string, string> = {};
    if (this.dialect === 'nchan') {
      if (this.position.lastModified !== undefined) headers['if-modified-since'] = this.position.lastModified;
      if (this.position.etag !== undefined) headers['if-none-match'] = this.position.etag;
      return { url: this.spec.url, headers };
    }
    const url = new URL(this.spec.url);
    if (this.transport === 'longpoll') url.searchParams.set('wait', String(WAIT_SECONDS));
    if (this.position.cursor !== undefined) url.searchParams.set('after', this.position.cursor);
    return { url: url.toString(), headers };
  }

  start(): void {
    if (this.closedFlag) return;
    const { url, headers } = this.target();
    const meter = this.spec.tally.meter(this.transport);
    const req = request(url, { agent: this.agent, localAddress: this.spec.localAddress, headers });
    this.current = req;
    meter.requests++;
    req.on('socket', (socket) => meter.watch(socket));
    // A long poll counts as held once its request is on the wire: the hub answers only later.
    if (this.transport === 'longpoll') req.on('finish', () => this.opened());
    req.on('response', (res) => this.answer(res));
    req.on('error', (err) => this.failed(err));
    req.setTimeout(this.spec.timeoutMs + WAIT_SECONDS * 1000, () => req.destroy(new Error('pull timeout')));
    req.end();
  }

  private opened(): void {
    if (this.isOpen) return;
    this.isOpen = true;
    this.spec.tally.opened();
    this.onFirst();
  }

  private answer(res: IncomingMessage): void {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => {
      const status = res.statusCode ?? 0;
      let again = this.transport === 'longpoll';
      if (status === 200) {
        again = this.deliver(Buffer.concat(chunks).toString('utf8'), res) || again;
      } else if (status === 204 || status === 304) {
        const etag = res.headers.etag;
        if (this.dialect === 'herald' && this.position.cursor === undefined && etag !== undefined)
          this.position.cursor = etag.replace(/^W\//, '').replace(/"/g, '');
      } else {
        this.failed(new Error(`${this.transport} answered ${status}`));
        return;
      }
      this.opened();
      this.next(again);
    });
  }

  /** Records the messages of an answer; true when more are waiting (ask again at once). */
  private deliver(body: string, res: IncomingMessage): boolean {
    for (let at = body.indexOf(MARK); at >= 0; at = body.indexOf(MARK, at + MARK.length)) {
      const sentAt = sentAtFromString(body.slice(at, at + 40));
      if (!Number.isNaN(sentAt)) this.spec.tally.deliver(this.slot, sentAt);
    }
    if (this.dialect === 'nchan') {
      this.position.lastModified = res.headers['last-modified'];
      this.position.etag = res.headers.etag;
      return true; // one message per answer: there may be more
    }
    const page = JSON.parse(body) as HeraldPage;
    if (page.cursor !== undefined) this.position.cursor = page.cursor;
    return page.more === true;
  }

  private next(now: boolean): void {
    if (this.closedFlag) return;
    if (now) setImmediate(() => this.start());
    else this.timer = setTimeout(() => this.start(), this.spec.pollIntervalMs);
  }

  private failed(err: Error): void {
    if (this.closedFlag) return;
    if (!this.isOpen) {
      this.closedFlag = true;
      this.agent.destroy();
      this.onFirst(err);
      return;
    }
    // A keep-alive socket the server closed between polls: try again after a pause, as a client would.
    this.spec.tally.closed(`${this.transport} error: ${err.message}`);
    this.spec.tally.opened();
    this.timer = setTimeout(() => this.start(), Math.max(100, this.spec.pollIntervalMs));
  }

  close(): void {
    this.closedFlag = true;
    clearTimeout(this.timer);
    this.current?.destroy();
    this.agent.destroy();
  }
}

function openPull(transport: 'longpoll' | 'poll', dialect: Dialect, spec: OpenSpec): Promise<Closable> {
  return new Promise((resolve, reject) => {
    const loop = new PullLoop(spec, transport, dialect, (err) => (err ? reject(err) : resolve(loop)));
    loop.start();
  });
}

export const openLongPoll =
  (dialect: Dialect) =>
  (spec: OpenSpec): Promise<Closable> =>
    openPull('longpoll', dialect, spec);
export const openPoll =
  (dialect: Dialect) =>
  (spec: OpenSpec): Promise<Closable> =>
    openPull('poll', dialect, spec);
