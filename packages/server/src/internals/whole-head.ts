import { type ServerResponse, STATUS_CODES } from 'node:http';
import { setTimeout as realTimeout } from 'node:timers';

/**
 * The fields of node:http's OutgoingMessage/ServerResponse that `writeHead` and its `_storeHeader`
 * read and set for a response (Node 20's lib/_http_outgoing.js and lib/_http_server.js).
 */
interface NodeResponse {
  _header: string | null;
  _headerSent: boolean;
  _hasBody: boolean;
  _contentLength: number | null;
  _last: boolean;
  _keepAliveTimeout: number;
  _maxRequestsPerSocket: number | null | undefined;
  _defaultKeepAlive: boolean;
  _removedConnection: boolean;
  _expect_continue: boolean;
  _sent100: boolean;
  chunkedEncoding: boolean;
  shouldKeepAlive: boolean;
  useChunkedEncodingByDefault: boolean;
  maxRequestsOnConnectionReached: boolean;
  sendDate: boolean;
  statusCode: number;
  statusMessage: string | undefined;
  agent?: unknown;
}

/**
 * Writes what `res.writeHead(status, pairs)` writes for the pairs of `parts` in order (no list joined
 * for it: the CORS pairs, the content pairs, the rest), as one string set where node:http keeps a
 * written head (`_header`), with the lines node adds (Date, Connection and Keep-Alive as it decides
 * them from the request and the server's settings) and the fields it sets doing so: `res.end()` then
 * sends head and body in one write and finishes the response as usual (keep-alive, the next pipelined
 * request). This skips writeHead's walk of the headers (a name check, a value check and a lowercased
 * match per header, then the joining): the pull answers' heads, the most frequent answers there are.
 * `parts`: lists of name/value pairs with lowercase, distinct names, every value one node:http would
 * accept (Herald's constants, values built from checked parts, an allowed Origin echoed: node's parser
 * refuses the bytes the value check refuses); none of them `connection`, `date`, `transfer-encoding`,
 * `keep-alive`, `expect` or `trailer`, which change what node adds. An answer with a body must carry
 * `content-length`. Without internals, on a response with headers set or anything else unusual (see
 * {@link plain}), or on a Node without these fields, it is `writeHead` itself.
 */
export function writeWholeHead(
  res: ServerResponse,
  status: number,
  parts: ReadonlyArray<readonly string[]>,
  internals: boolean,
): void {
  const out = res as unknown as NodeResponse;
  if (!internals || !plain(out)) {
    res.writeHead(status, NO_PAIRS.concat(...parts));
    return;
  }
  // The head's own lines, compared with the last head's: the usual poll (same channel, ETag and
  // interval) reuses that head's string, already flat, where a head concatenated anew is a tree of
  // strings that the socket write must first flatten (~1.8k instructions for a 304's head).
  const fields = last.fields;
  let same = status === last.status;
  let length = -1;
  let n = 0;
  for (const pairs of parts) {
    for (let i = 0; i < pairs.length; i += 2) {
      const name = pairs[i] as string;
      const value = pairs[i + 1] as string;
      if (same && (fields[n] !== name || fields[n + 1] !== value)) same = false;
      fields[n++] = name;
      fields[n++] = value;
      if (name === 'content-length') length = +value;
    }
  }
  // writeHead: no body for 204 and 304; no keep-alive after a final answer to an unanswered 100-continue.
  if (status === 204 || status === 304) out._hasBody = false;
  else if (length === -1 && out._hasBody) {
    // node:http would choose chunked framing or a close; not a head this writes.
    last.count = -1;
    res.writeHead(status, NO_PAIRS.concat(...parts));
    return;
  }
  if (out._expect_continue && !out._sent100) out.shouldKeepAlive = false;
  out.statusCode = status;
  out.statusMessage = STATUS_CODES[status];
  const date = out.sendDate ? dateLine() : '';
  // _storeHeader's keep-alive decision for a head without a Connection header.
  let connection = CLOSE;
  if (!out.shouldKeepAlive || (length === -1 && !out.useChunkedEncodingByDefault)) out._last = true;
  else if (!out.maxRequestsOnConnectionReached) connection = keepAliveLines(out);
  if (length !== -1) out._contentLength = length;
  else out.chunkedEncoding = false;
  if (!same || n !== last.count || date !== last.date || connection !== last.connection) {
    let head = statusLine(status);
    for (let i = 0; i < n; i += 2) head += `${fields[i]}: ${fields[i + 1]}\r\n`;
    last.head = `${head}${date}${connection}\r\n`;
  }
  last.status = status;
  last.count = n;
  last.date = date;
  last.connection = connection;
  out._header = last.head;
  out._headerSent = false;
}

const CLOSE = 'Connection: close\r\n';

/** The last head written: its status, header names and values in order, the lines node adds, its text. */
const last = { status: 0, fields: [] as string[], count: -1, date: '', connection: '', head: '' };

const NO_PAIRS: string[] = [];

/** The fields checked once: this Node keeps a response's state as writeWholeHead expects. */
let fieldsKnown: boolean | undefined;

/**
 * Whether `res` is a response writeHead would treat as this file does: nothing written or set yet
 * (no header stored, no status message chosen, no header removed), not chunked, no agent.
 */
function plain(out: NodeResponse): boolean {
  fieldsKnown ??= knownFields(out);
  return (
    fieldsKnown &&
    out._header === null &&
    !out.chunkedEncoding &&
    !out._removedConnection &&
    !out.statusMessage &&
    out.agent == null &&
    (out as unknown as Record<symbol, unknown>)[outHeaders as symbol] === null
  );
}

/**
 * node:http's store of the headers set on a response: the `kOutHeaders` symbol of OutgoingMessage, an
 * own property of every response (null until a header is set); null when this Node has no such property.
 */
let outHeaders: symbol | null = null;

function knownFields(out: NodeResponse): boolean {
  outHeaders = Object.getOwnPropertySymbols(out).find((s) => s.description === 'kOutHeaders') ?? null;
  return (
    outHeaders !== null &&
    out._header === null &&
    out._headerSent === false &&
    typeof out._hasBody === 'boolean' &&
    '_contentLength' in out &&
    typeof out._last === 'boolean' &&
    typeof out._keepAliveTimeout === 'number' &&
    typeof out._defaultKeepAlive === 'boolean' &&
    typeof out._removedConnection === 'boolean' &&
    typeof out._expect_continue === 'boolean' &&
    typeof out.useChunkedEncodingByDefault === 'boolean' &&
    typeof out.maxRequestsOnConnectionReached === 'boolean' &&
    typeof out.sendDate === 'boolean'
  );
}

const statusLines = new Map<number, string>();

function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
    statusLines.set(status, line);
  }
  return line;
}

/** `Connection: keep-alive` and the Keep-Alive line node adds, for the last server settings seen. */
let keepAlive = { timeout: -1, max: -1 as number | null | undefined, lines: '' };

function keepAliveLines(out: NodeResponse): string {
  const timeout = out._defaultKeepAlive ? out._keepAliveTimeout : 0;
  const max = out._maxRequestsPerSocket;
  if (keepAlive.timeout !== timeout || keepAlive.max !== max) {
    let lines = 'Connection: keep-alive\r\n';
    if (timeout) {
      const limit = ~~(max as number) > 0 ? `, max=${max}` : '';
      lines += `Keep-Alive: timeout=${Math.floor(timeout / 1000)}${limit}\r\n`;
    }
    keepAlive = { timeout, max, lines };
  }
  return keepAlive.lines;
}

/**
 * The Date line, made once a second as node:http does (its own cache is not reachable), with
 * node:timers' setTimeout: a test's fake global timers must not keep a stale date here.
 */
let date: string | undefined;

function dateLine(): string {
  if (date === undefined) {
    const now = new Date();
    date = `Date: ${now.toUTCString()}\r\n`;
    realTimeout(expireDate, 1000 - now.getMilliseconds()).unref();
  }
  return date;
}

function expireDate(): void {
  date = undefined;
}
