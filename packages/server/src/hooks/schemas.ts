import { z } from 'zod';

/** Longest user name a connect hook may return, characters. */
const MAX_USER = 256;

/**
 * Connect answer: who the client is and what it may read (and publish). `allow: false` refuses (the
 * client stays anonymous). Patterns are the JWT claims' (`chat:*`), checked and bounded the same way.
 */
export const connectAnswer = z.object({
  allow: z.optional(z.boolean()),
  user: z.optional(z.string().min(1).max(MAX_USER)),
  channels: z.optional(z.array(z.string().max(256)).max(64)),
  publish: z.optional(z.array(z.string().max(256)).max(64)),
  /** When the grant ends, ms since the epoch; the hook is asked again after it. */
  expiresAt: z.optional(z.number().int().positive()),
});

/** Subscribe answer. */
export const subscribeAnswer = z.object({ allow: z.boolean() });

/** Publish answer: `data` and `event`, when present, replace the message's. */
export const publishAnswer = z.object({
  allow: z.boolean(),
  data: z.optional(z.unknown()),
  event: z.optional(z.string()),
});
