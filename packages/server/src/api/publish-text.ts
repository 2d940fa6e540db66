import type { PublishInput } from '@herald/core';

// The single-message publish body read as bytes, without JSON.parse and JSON.stringify: the hub stores
// `data` as JSON.stringify(JSON.parse(body).data), and parsing the body and serialising `data` again
// cost a publish ~10k instructions. A body whose `data` is already exactly that text (compact JSON, as
// JSON.stringify writes it) is recognised here and its `data` taken as it is. Anything else, however
// valid, is left to the parser: a body is only taken here when the text cannot differ from what the
// parser and serialiser would give, so what is stored never depends on the path.

/** Nesting followed; deeper data goes to the parser (and JSON.stringify's own depth limit). */
const MAX_DEPTH = 32;
/** Keys of one object compared for duplicates; objects with more go to the parser. */
const MAX_KEYS = 32;

const DATA_HEAD = Buffer.from('{"data":');
const EVENT_HEAD = Buffer.from('{"event":"');
const EVENT_TAIL = Buffer.from('","data":');
const EVENT_AFTER = Buffer.from(',"event":"');

/**
 * The input of a body `{"data":D}`, `{"data":D,"event":"E"}` or `{"event":"E","data":D}` with no
 * whitespace, D canonical JSON (see {@link canonicalEnd}) and E a string without escapes: `json` is
 * D's text. Undefined for any other body (the caller parses it). `body` is valid UTF-8 (checked
 * before): read byte by byte, which costs less than the text, and only D and E are decoded.
 */
export function canonicalInput(body: Buffer): PublishInput | undefined {
  const last = body.length - 1;
  if (startsWith(body, DATA_HEAD, 0)) {
    const end = canonicalEnd(body, DATA_HEAD.length, 0, []);
    if (end === -1) return undefined;
    const json = text(body, DATA_HEAD.length, end);
    if (end === last && body[end] === 125 /* } */) return { data: undefined, json };
    if (!startsWith(body, EVENT_AFTER, end)) return undefined;
    const close = plainStringEnd(body, end + EVENT_AFTER.length);
    if (close !== last - 1 || body[last] !== 125) return undefined;
    return { event: text(body, end + EVENT_AFTER.length, close), data: undefined, json };
  }
  if (!startsWith(body, EVENT_HEAD, 0)) return undefined;
  const close = plainStringEnd(body, EVENT_HEAD.length);
  if (close === -1 || !startsWith(body, EVENT_TAIL, close)) return undefined;
  const from = close + EVENT_TAIL.length;
  const end = canonicalEnd(body, from, 0, []);
  if (end !== last || body[end] !== 125) return undefined;
  return { event: text(body, EVENT_HEAD.length, close), data: undefined, json: text(body, from, end) };
}

/** The UTF-8 text of body[from, to). */
function text(body: Buffer, from: number, to: number): string {
  return body.toString('utf8', from, to);
}

/** True when `body` holds the bytes of `head` at `at`. */
function startsWith(body: Buffer, head: Buffer, at: number): boolean {
  if (at + head.length > body.length) return false;
  for (let j = 0; j < head.length; j++) if (body[at + j] !== head[j]) return false;
  return true;
}

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

/**
 * Where the JSON value at `i` ends, when its text is exactly what JSON.stringify(JSON.parse(it))
 * gives; -1 when it is not, or might not be: whitespace, escapes, numbers that print otherwise,
 * keys that an object orders first (array indices) or holds once (duplicates), deep nesting. `keys`
 * holds the start and end of the keys of the objects being read, outermost first.
 */
export function canonicalEnd(body: Buffer, i: number, depth: number, keys: number[]): number {
  const c = body[i];
  if (c === 34 /* " */) {
    const close = plainStringEnd(body, i + 1);
    return close === -1 ? -1 : close + 1;
  }
  if (c === 123 /* { */) return depth < MAX_DEPTH ? objectEnd(body, i + 1, depth + 1, keys) : -1;
  if (c === 91 /* [ */) return depth < MAX_DEPTH ? arrayEnd(body, i + 1, depth + 1, keys) : -1;
  if (c === 116 /* t */) return startsWith(body, TRUE, i) ? i + 4 : -1;
  if (c === 102 /* f */) return startsWith(body, FALSE, i) ? i + 5 : -1;
  if (c === 110 /* n */) return startsWith(body, NULL, i) ? i + 4 : -1;
  return numberEnd(body, i);
}

/** The end of an object whose `{` is before `i`; its keys must not repeat nor start with a digit. */
function objectEnd(body: Buffer, i: number, depth: number, keys: number[]): number {
  if (body[i] === 125 /* } */) return i + 1;
  const base = keys.length;
  for (;;) {
    if (body[i] !== 34) return -1;
    const first = body[i + 1] as number;
    if (first >= 48 && first <= 57) return -1; // a digit: maybe an array index, which objects put first
    const close = plainStringEnd(body, i + 1);
    if (close === -1 || body[close + 1] !== 58 /* : */) return -1;
    if (keys.length - base >= 2 * MAX_KEYS || repeated(body, i + 1, close, keys, base)) return -1;
    keys.push(i + 1, close);
    const end = canonicalEnd(body, close + 2, depth, keys);
    if (end === -1) return -1;
    const next = body[end];
    if (next === 125 /* } */) {
      keys.length = base;
      return end + 1;
    }
    if (next !== 44 /* , */) return -1;
    i = end + 1;
  }
}

/** True when the key body[from, to) is one of the keys recorded in `keys` from `base` on. */
function repeated(body: Buffer, from: number, to: number, keys: number[], base: number): boolean {
  const length = to - from;
  for (let k = base; k < keys.length; k += 2) {
    const start = keys[k] as number;
    if ((keys[k + 1] as number) - start === length && sameBytes(body, from, start, length)) return true;
  }
  return false;
}

/** True when body[a, a + length) equals body[b, b + length). */
function sameBytes(body: Buffer, a: number, b: number, length: number): boolean {
  for (let j = 0; j < length; j++) if (body[a + j] !== body[b + j]) return false;
  return true;
}

/** The end of an array whose `[` is before `i`. */
function arrayEnd(body: Buffer, i: number, depth: number, keys: number[]): number {
  if (body[i] === 93 /* ] */) return i + 1;
  for (;;) {
    const end = canonicalEnd(body, i, depth, keys);
    if (end === -1) return -1;
    const next = body[end];
    if (next === 93) return end + 1;
    if (next !== 44) return -1;
    i = end + 1;
  }
}

/**
 * The index of the `"` that closes a string starting at `i` (after its opening quote), when it has
 * no escape and no control character (JSON.stringify writes every other character as it is; the body
 * is valid UTF-8, so there is no lone surrogate, and bytes of 0x80 and above are parts of characters);
 * -1 otherwise.
 */
function plainStringEnd(body: Buffer, i: number): number {
  for (const length = body.length; i < length; i++) {
    const c = body[i] as number;
    if (c === 34) return i;
    if (c < 32 || c === 92 /* \ */) return -1;
  }
  return -1;
}

/** Significant digits a number may have and still print as written (any 15-digit decimal does). */
const MAX_DIGITS = 15;
/** Zeros after `0.` a number may have and still print without an exponent (1e-6 is 0.000001). */
const MAX_LEADING_ZEROS = 5;

/**
 * The end of a number at `i` written as JavaScript prints it: `-`?, an integer part without leading
 * zeros, an optional fraction not ending in 0, no exponent, at most 15 significant digits, not below
 * 1e-6 and not -0. -1 otherwise (also for what is not a number at all).
 */
function numberEnd(body: Buffer, i: number): number {
  const negative = body[i] === 45; /* - */
  if (negative) i++;
  const start = i;
  if (body[i] === 48 /* 0 */) i++;
  else while (isDigit(body[i])) i++;
  if (i === start) return -1;
  const zero = i - start === 1 && body[start] === 48;
  let digits = zero ? 0 : i - start;
  if (body[i] === 46 /* . */) {
    const from = ++i;
    while (isDigit(body[i])) i++;
    if (i === from || body[i - 1] === 48) return -1;
    let significant = from;
    if (zero) {
      while (body[significant] === 48) significant++;
      if (significant - from > MAX_LEADING_ZEROS) return -1;
    }
    digits += i - significant;
  } else if (zero && negative) {
    return -1;
  }
  const after = body[i];
  if (digits > MAX_DIGITS || after === 101 /* e */ || after === 69 /* E */) return -1;
  return i;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}
