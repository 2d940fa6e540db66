import { randomBytes } from 'node:crypto';

/** A fresh random epoch: 8 url-safe characters (48 bits), short because it travels in every cursor. */
export function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}
