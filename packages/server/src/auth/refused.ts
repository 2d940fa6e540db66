import { HeraldError } from '@herald/core';

/**
 * The one answer for every refused credential (a bad API key, a malformed `Authorization` header, a
 * forged, expired or oversized token): 401 with the same message, so no answer tells a prober more
 * than another. A missing credential is told apart (the request may say what it needs).
 */
export function refused(): HeraldError {
  return new HeraldError('unauthorized', 'invalid credentials');
}
