import { HeraldError } from '@herald/core';
import type { ErrorCode } from '@herald/protocol';

/** A catalog error that carries protocol headers with it (a 409 says `Stream-Closed`, a 403 the producer epoch). */
export class StreamError extends HeraldError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(code, message);
  }
}
