import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Below this, compressing costs more than it saves. */
const MIN_BYTES = 1024;

/** The content codings a fixed body is offered in besides identity, best first. */
export type Coding = 'br' | 'gzip';

/**
 * A fixed body (the SDK bundles, the web pages and their assets) with its compressed forms, each made
 * at the strongest setting once, in libuv's thread pool, when a request first asks for it: brotli
 * (quality 11) is ~10 % smaller than gzip -9 on the SDK and ~13 % on the web assets, but costs ~70 ms
 * of CPU per 100 KB, too much to spend on every file at start (1.8 s for web/dist).
 */
export class CompressedBody {
  private readonly made = new Map<Coding, Promise<Buffer>>();
  /** Whether the body is sent in more than one coding (then answers say `Vary: Accept-Encoding`). */
  readonly varies: boolean;

  /** `etag` is the identity body's tag, quoted; each coding gets its own, so caches never mix them. */
  constructor(
    readonly body: Buffer,
    readonly etag: string,
    compressible: boolean,
  ) {
    this.varies = compressible && body.length >= MIN_BYTES;
  }

  /** The coding to answer a request with (undefined: identity) and that answer's ETag. */
  choose(acceptEncoding: string | undefined): { coding: Coding | undefined; etag: string } {
    const coding = this.varies ? preferredCoding(acceptEncoding) : undefined;
    return { coding, etag: coding === undefined ? this.etag : `${this.etag.slice(0, -1)}-${coding}"` };
  }

  /** The body in `coding`, made on first use. */
  bytes(coding: Coding | undefined): Promise<Buffer> {
    if (coding === undefined) return Promise.resolve(this.body);
    let made = this.made.get(coding);
    if (made === undefined) {
      made = coding === 'br' ? brotli(this.body) : gzipAsync(this.body, { level: 9 });
      this.made.set(coding, made);
    }
    return made;
  }
}

function brotli(body: Buffer): Promise<Buffer> {
  return brotliAsync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
}

/**
 * `br` when the request's Accept-Encoding takes it, else `gzip`, else undefined (identity). A coding
 * listed with `q=0` is refused (RFC 9110 §12.5.3); other weights do not reorder the two, since br is
 * smaller whenever both are taken. Browsers offer br over HTTPS.
 */
export function preferredCoding(header: string | undefined): Coding | undefined {
  if (header === undefined) return undefined;
  let gzipTaken = false;
  for (const item of header.split(',')) {
    const [name = '', ...params] = item.split(';');
    const coding = name.trim().toLowerCase();
    if (coding !== 'br' && coding !== 'gzip') continue;
    const weight = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (weight !== undefined && Number(weight.slice(2)) === 0) continue;
    if (coding === 'br') return 'br';
    gzipTaken = true;
  }
  return gzipTaken ? 'gzip' : undefined;
}
