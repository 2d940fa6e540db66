import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Authenticator } from './authenticator.ts';

const KEY = 'k'.repeat(40);
const request = (socket: object, authorization?: string) =>
  ({ socket, headers: authorization === undefined ? {} : { authorization } }) as unknown as IncomingMessage;

describe('Authenticator on a keep-alive connection', () => {
  const auth = new Authenticator([KEY, 'other-key-000000000000000000000000000']);
  const none = new URLSearchParams();

  it('reuses a key the connection proved, and still refuses any other token on it', () => {
    const socket = {};
    expect(auth.authenticate(request(socket, `Bearer ${KEY}`), none)).toMatchObject({ kind: 'key', id: 'key:0' });
    expect(auth.authenticate(request(socket, `Bearer ${KEY}`), none)).toMatchObject({ kind: 'key', id: 'key:0' });
    expect(() => auth.authenticate(request(socket, `Bearer ${KEY}x`), none)).toThrow(/invalid credentials/);
    expect(() => auth.authenticate(request(socket, `Bearer ${KEY.slice(1)}`), none)).toThrow(/invalid credentials/);
    expect(auth.authenticate(request(socket), none)).toMatchObject({ kind: 'anonymous' });
    expect(auth.authenticate(request(socket, 'Bearer other-key-000000000000000000000000000'), none)).toMatchObject({
      id: 'key:1',
    });
  });

  it('does not lend a proven key to another connection', () => {
    const proven = {};
    auth.authenticate(request(proven, `Bearer ${KEY}`), none);
    expect(() => auth.authenticate(request({}, 'Bearer nope'), none)).toThrow(/invalid credentials/);
  });
});

describe('the Authorization header', () => {
  const auth = new Authenticator([KEY]);

  it('reads the token of every form `Bearer\\s+(\\S+)\\s*` (any case), and of no other', () => {
    for (const header of [
      `Bearer ${KEY}`,
      `bearer ${KEY}`,
      `BEARER\t${KEY}`,
      `Bearer  ${KEY}`,
      `Bearer ${KEY} \t`,
      `Bearer ${KEY}\u00a0`,
    ]) {
      expect(auth.authenticate(request({}, header), undefined), header).toMatchObject({ kind: 'key' });
    }
    for (const header of [
      `Bearer ${KEY} x`,
      'Bearer ',
      'Bearer',
      `Bearer${KEY}`,
      `Basic ${KEY}`,
      `Bearer ${KEY.slice(1)}\u00a0k`,
    ]) {
      expect(() => auth.authenticate(request({}, header), undefined), header).toThrow(/invalid credentials/);
    }
  });
});
