import { describe, expect, it } from 'vitest';
import { redactPassword, redactUrl } from './redact-url.ts';

describe('redactUrl', () => {
  it('replaces the password only, keeping user, host, port and database', () => {
    expect(redactUrl('redis://user:pa%40ss@h:6380/2')).toBe('redis://user:***@h:6380/2');
    expect(redactUrl('rediss://:secret@h')).toBe('rediss://:***@h');
  });

  it('leaves URLs without a password, and text that is no URL, as they are', () => {
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('redis://user@h:1')).toBe('redis://user@h:1');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});

describe('redactPassword', () => {
  it('takes the (decoded) password out of any text', () => {
    expect(redactPassword('AUTH pa@ss failed for pa@ss', 'redis://u:pa%40ss@h')).toBe('AUTH *** failed for ***');
    expect(redactPassword('ECONNREFUSED', 'redis://h')).toBe('ECONNREFUSED');
  });
});
