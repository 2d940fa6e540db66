import type { PublishInput } from '@herald/core';

// The single-message publish body as text, read without JSON.parse and JSON.stringify: the hub stores
// `data` as JSON.stringify(JSON.parse(body).data), and parsing the body and serialising `data` again
// cost a publish ~10k instructions. A body whose `data` is already exactly that text (compact JSON, as
// JSON.stringify writes it) is recognised here and its `data` taken as it is. Anything else, however
// valid, is left to the parser: a body is only taken here when the text cannot differ from what the
// parser and serialiser would give, so what is stored never depends on the path.

/** Nesting followed; deeper data goes to the parser (and JSON.stringify's own depth limit). */
const MAX_DEPTH = 32;
/** Keys of one object compared for duplicates; objects with more go to the parser. */
const MAX_KEYS = 32;

const DATA_HEAD = '{"data":';
const EVENT_HEAD = '{"event":"';
const EVENT_TAIL = '","data":';
const EVENT_AFTER = ',"event":"';

/**
 * The input of a body `{"data":D}`, `{"data":D,"event":"E"}` or `{"event":"E","data":D}` with no
 * whitespace, D canonical JSON (see {@link canonicalEnd}) and E a string without escapes: `json` is
 * D's text. Undefined for any other body (the caller parses it).
 */
export function canonicalInput(text: string): PublishInput | undefined {
  if (text.startsWith(DATA_HEAD)) {
    const end = canonicalEnd(text, DATA_HEAD.length, 0, []);
    if (end === -1) return undefined;
    const json = text.slice(DATA_HEAD.length, end);
    if (end === text.length - 1 && text.charCodeAt(end) === 125 /* } */) return { data: undefined, json };
    if (!text.startsWith(EVENT_AFTER, end)) return undefined;
    const close = plainStringEnd(text, end + EVENT_AFTER.length);
    if (close !== text.length - 2 || text.charCodeAt(close + 1) !== 125) return undefined;
    return { event: text.slice(end + EVENT_AFTER.length, close), data: undefined, json };
  }
  if (!text.startsWith(EVENT_HEAD)) return undefined;
  const close = plainStringEnd(text, EVENT_HEAD.length);
  if (close === -1 || !text.startsWith(EVENT_TAIL, close)) return undefined;
  const from = close + EVENT_TAIL.length;
  const end = canonicalEnd(text, from, 0, []);
  if (end !== text.length - 1 || text.charCodeAt(end) !== 125) return undefined;
  return { event: text.slice(EVENT_HEAD.length, close), data: undefined, json: text.slice(from, end) };
}

/**
 * Where the JSON value at `i` ends, when its text is exactly what JSON.stringify(JSON.parse(it))
 * gives; -1 when it is not, or might not be: whitespace, escapes, numbers that print otherwise,
 * keys that an object orders first (array indices) or holds once (duplicates), deep nesting. `keys`
 * holds the start and end of the keys of the objects being read, outermost first.
 */
export function canonicalEnd(text: string, i: number, depth: number, keys: number[]): number {
  const c = text.charCodeAt(i);
  if (c === 34 /* " */) {
    const close = plainStringEnd(text, i + 1);
    return close === -1 ? -1 : close + 1;
  }
  if (c === 123 /* { */) return depth < MAX_DEPTH ? objectEnd(text, i + 1, depth + 1, keys) : -1;
  if (c === 91 /* [ */) return depth < MAX_DEPTH ? arrayEnd(text, i + 1, depth + 1, keys) : -1;
  if (c === 116 /* t */) return text.startsWith('true', i) ? i + 4 : -1;
  if (c === 102 /* f */) return text.startsWith('false', i) ? i + 5 : -1;
  if (c === 110 /* n */) return text.startsWith('null', i) ? i + 4 : -1;
  return numberEnd(text, i);
}

/** The end of an object whose `{` is before `i`; its keys must not repeat nor start with a digit. */
function objectEnd(text: string, i: number, depth: number, keys: number[]): number {
  if (text.charCodeAt(i) === 125 /* } */) return i + 1;
  const base = keys.length;
  for (;;) {
    if (text.charCodeAt(i) !== 34) return -1;
    const first = text.charCodeAt(i + 1);
    if (first >= 48 && first <= 57) return -1; // a digit: maybe an array index, which objects put first
    const close = plainStringEnd(text, i + 1);
    if (close === -1 || text.charCodeAt(close + 1) !== 58 /* : */) return -1;
    if (keys.length - base >= 2 * MAX_KEYS || repeated(text, i + 1, close, keys, base)) return -1;
    keys.push(i + 1, close);
    const end = canonicalEnd(text, close + 2, depth, keys);
    if (end === -1) return -1;
    const next = text.charCodeAt(end);
    if (next === 125 /* } */) {
      keys.length = base;
      return end + 1;
    }
    if (next !== 44 /* , */) return -1;
    i = end + 1;
  }
}

/** True when the key text[from, to) is one of the keys recorded in `keys` from `base` on. */
function repeated(text: string, from: number, to: number, keys: number[], base: number): boolean {
  const length = to - from;
  for (let k = base; k < keys.length; k += 2) {
    const start = keys[k] as number;
    if ((keys[k + 1] as number) - start === length && sameText(text, from, start, length)) return true;
  }
  return false;
}

/** True when text[a, a + length) equals text[b, b + length). */
function sameText(text: string, a: number, b: number, length: number): boolean {
  for (let j = 0; j < length; j++) if (text.charCodeAt(a + j) !== text.charCodeAt(b + j)) return false;
  return true;
}

/** The end of an array whose `[` is before `i`. */
function arrayEnd(text: string, i: number, depth: number, keys: number[]): number {
  if (text.charCodeAt(i) === 93 /* ] */) return i + 1;
  for (;;) {
    const end = canonicalEnd(text, i, depth, keys);
    if (end === -1) return -1;
    const next = text.charCodeAt(end);
    if (next === 93) return end + 1;
    if (next !== 44) return -1;
    i = end + 1;
  }
}

/**
 * The index of the `"` that closes a string starting at `i` (after its opening quote), when it has
 * no escape and no control character (JSON.stringify writes every other character as it is; the body
 * is valid UTF-8, so there is no lone surrogate); -1 otherwise.
 */
function plainStringEnd(text: string, i: number): number {
  for (const length = text.length; i < length; i++) {
    const c = text.charCodeAt(i);
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
function numberEnd(text: string, i: number): number {
  const negative = text.charCodeAt(i) === 45; /* - */
  if (negative) i++;
  const start = i;
  if (text.charCodeAt(i) === 48 /* 0 */) i++;
  else while (isDigit(text.charCodeAt(i))) i++;
  if (i === start) return -1;
  const zero = i - start === 1 && text.charCodeAt(start) === 48;
  let digits = zero ? 0 : i - start;
  if (text.charCodeAt(i) === 46 /* . */) {
    const from = ++i;
    while (isDigit(text.charCodeAt(i))) i++;
    if (i === from || text.charCodeAt(i - 1) === 48) return -1;
    let significant = from;
    if (zero) {
      while (text.charCodeAt(significant) === 48) significant++;
      if (significant - from > MAX_LEADING_ZEROS) return -1;
    }
    digits += i - significant;
  } else if (zero && negative) {
    return -1;
  }
  const after = text.charCodeAt(i);
  if (digits > MAX_DIGITS || after === 101 /* e */ || after === 69 /* E */) return -1;
  return i;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
