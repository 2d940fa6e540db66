import type { ServerResponse } from 'node:http';

/**
 * node:http's store of a response's headers: the `kOutHeaders` symbol of OutgoingMessage, an own
 * property of every response (null until a header is set), looked up on the first response; null
 * when this Node has no such property.
 */
let outHeaders: symbol | null | undefined;

/** What an empty store inherits: nothing (a plain object's `toString` would be a header to getHeader). */
const NOTHING: object = Object.freeze(Object.create(null));

/**
 * Writes what `res.writeHead(status, pairs)` writes for the pairs of `parts` in order (no list joined
 * for it: the CORS pairs, the content pairs, the rest), without node:http's checks of every header name
 * (a token regex) and value (a character regex), for heads whose names are Herald's constants and
 * whose values it builds from checked parts or takes from the request (an allowed Origin echoed:
 * node's parser refuses the bytes the value check refuses). The pull answers' heads: the checks were
 * ~2k instructions of a plain poll's 304. Headers in node:http's own store are written unchecked
 * (setHeader checked them), so they are put there, keyed by name as setHeader would, and node:http
 * writes them in the same order. `parts`: lists of name/value pairs with lowercase, distinct names,
 * every value one node:http would accept. Without internals, or when the response has headers set already
 * or the store is not found, it is `writeHead` itself.
 */
export function writeUncheckedHead(
  res: ServerResponse,
  status: number,
  parts: ReadonlyArray<readonly string[]>,
  internals: boolean,
): void {
  const key = internals ? storeKey(res) : null;
  const fields = res as unknown as Record<symbol, unknown>;
  if (key === null || fields[key] !== null) {
    res.writeHead(status, NO_PAIRS.concat(...parts));
    return;
  }
  // Not Object.create(null): that object is a dictionary, slower to fill and to walk.
  const store: Record<string, [string, string]> = Object.create(NOTHING);
  for (const pairs of parts) {
    for (let i = 0; i < pairs.length; i += 2) {
      const name = pairs[i] as string;
      store[name] = [name, pairs[i + 1] as string];
    }
  }
  fields[key] = store;
  res.writeHead(status);
}

const NO_PAIRS: string[] = [];

function storeKey(res: ServerResponse): symbol | null {
  outHeaders ??= Object.getOwnPropertySymbols(res).find((s) => s.description === 'kOutHeaders') ?? null;
  return outHeaders;
}
