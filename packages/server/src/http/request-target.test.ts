import { describe, expect, it } from 'vitest';
import { splitTarget } from './request-target.ts';

describe('splitTarget', () => {
  it('splits an origin-form target at the first ?', () => {
    const t = splitTarget('/v1/channels/a/messages?after=e:1&limit=5&x=a?b');
    expect(t?.path).toBe('/v1/channels/a/messages');
    expect(t?.query.get('after')).toBe('e:1');
    expect(t?.query.get('x')).toBe('a?b');
    expect(splitTarget('/healthz')).toEqual({ path: '/healthz', query: new URLSearchParams() });
  });

  it('keeps a path that a URL parser would read as a host as a plain path', () => {
    expect(splitTarget('//evil.example/v1/stats')?.path).toBe('//evil.example/v1/stats');
  });

  it('reads an absolute-form target (proxies)', () => {
    const t = splitTarget('http://hub.example:8080/v1/events?channel=a');
    expect(t?.path).toBe('/v1/events');
    expect(t?.query.getAll('channel')).toEqual(['a']);
  });

  it('refuses what is not a target', () => {
    for (const bad of [undefined, '', '*', 'ftp://x/y', 'http://[::1']) expect(splitTarget(bad)).toBeUndefined();
  });
});
