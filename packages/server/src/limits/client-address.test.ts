import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { addressKey, clientAddress } from './client-address.ts';

const req = (remoteAddress: string, xff?: string) =>
  ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as IncomingMessage;

describe('addressKey', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['::1', '0:0:0:0::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:db8:0:0:ffff::1', '2001:db8:0:0::/64'],
    ['2001:0db8:00aa:0001:1:2:3:4', '2001:db8:aa:1::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    [undefined, 'unknown'],
  ])('%s -> %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });

  it('puts every address of one /64 under one key', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'));
  });
});

describe('clientAddress', () => {
  const trusted = new Set(['10.0.0.1', '10.0.0.2']);

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(clientAddress(req('203.0.113.9', '1.2.3.4'), trusted)).toBe('203.0.113.9');
    expect(clientAddress(req('203.0.113.9', '1.2.3.4'), new Set())).toBe('203.0.113.9');
  });

  it('takes the right-most untrusted hop behind trusted proxies', () => {
    expect(clientAddress(req('10.0.0.1', '6.6.6.6, 198.51.100.7'), trusted)).toBe('198.51.100.7');
    expect(clientAddress(req('10.0.0.1', '6.6.6.6, 198.51.100.7, 10.0.0.2'), trusted)).toBe('198.51.100.7');
  });

  it('stops at a hop that is not an address (a forged or broken header)', () => {
    expect(clientAddress(req('10.0.0.1', '6.6.6.6, garbage'), trusted)).toBe('10.0.0.1');
    expect(clientAddress(req('::ffff:10.0.0.1', ''), trusted)).toBe('10.0.0.1');
  });

  it('walks at most 32 hops of a huge header', () => {
    const hops = Array.from({ length: 5000 }, () => '10.0.0.2').join(',');
    expect(clientAddress(req('10.0.0.1', `1.1.1.1,${hops}`), trusted)).toBe('10.0.0.2');
  });
});
