import * as crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Authenticator } from '../../packages/server/src/auth/authenticator.ts';

// Every comparison with a secret is in constant time, the per-connection cache of a
// proven API key included (it compared with `===`, which returns at the first differing character).
vi.mock('node:crypto', async (original) => {
  const actual = await original<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const KEY = 'k'.repeat(40);
const request = (socket: object, authorization: string) =>
  ({ socket, headers: { authorization } }) as unknown as IncomingMessage;
const none = new URLSearchParams();

describe('the proven-key cache of a keep-alive connection', () => {
  afterEach(() => vi.mocked(crypto.timingSafeEqual).mockClear());

  it('compares a re-presented token with timingSafeEqual, not ===', () => {
    const auth = new Authenticator([KEY]);
    const socket = {};
    expect(auth.authenticate(request(socket, `Bearer ${KEY}`), none)).toMatchObject({ kind: 'key' });
    vi.mocked(crypto.timingSafeEqual).mockClear();
    // Answered from the cache (no digest of the key), still compared in constant time.
    expect(auth.authenticate(request(socket, `Bearer ${KEY}`), none)).toMatchObject({ kind: 'key' });
    expect(crypto.timingSafeEqual).toHaveBeenCalled();
  });

  it('a token of the same length that differs is refused after a constant-time comparison', () => {
    const auth = new Authenticator([KEY]);
    const socket = {};
    auth.authenticate(request(socket, `Bearer ${KEY}`), none);
    vi.mocked(crypto.timingSafeEqual).mockClear();
    expect(() => auth.authenticate(request(socket, `Bearer ${'k'.repeat(39)}x`), none)).toThrow(/invalid credentials/);
    expect(crypto.timingSafeEqual).toHaveBeenCalled();
  });
});
