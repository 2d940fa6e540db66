import { randomBytes } from 'node:crypto';

/** Random bytes of one epoch: 8 url-safe characters (48 bits), short because it travels in every cursor. */
const EPOCH_BYTES = 6;
/** Epochs drawn from one call to the random source (each call costs as much as a publish). */
const POOL_EPOCHS = 128;

let pool = Buffer.alloc(0);
let next = 0;

/** A fresh random epoch. Every new channel takes one, so they come from a pool of random bytes. */
export function newEpoch(): string {
  if (next + EPOCH_BYTES > pool.length) {
    pool = randomBytes(EPOCH_BYTES * POOL_EPOCHS);
    next = 0;
  }
  const epoch = pool.toString('base64url', next, next + EPOCH_BYTES);
  next += EPOCH_BYTES;
  return epoch;
}
