import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** At most this many `X-Forwarded-For` hops are walked (a forged header may list thousands). */
const MAX_HOPS = 32;

/**
 * The key per-address limits count under. IPv4 addresses (also IPv4-mapped IPv6) as they are; IPv6
 * addresses by their /64 prefix, because one subscriber line usually gets a whole /64 and could
 * otherwise take a fresh address for every connection.
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const bare = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare);
  if (mapped !== null) return mapped[1] as string;
  if (isIP(bare) !== 6) return bare;
  return `${ipv6Prefix64(bare)}::/64`;
}

/** The first four groups of an IPv6 address, expanded (`2001:db8::1` -> `2001:db8:0:0`). */
function ipv6Prefix64(address: string): string {
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail (a.b.c.d) takes two groups.
  const width = (parts: string[]) => parts.reduce((n, p) => n + (p.includes('.') ? 2 : 1), 0);
  const zeros = tail === undefined ? 0 : 8 - width(left) - width(right);
  const groups = [...left, ...Array.from({ length: zeros }, () => '0'), ...right];
  return groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':');
}

/**
 * Finds the client's address. The peer's address, unless the peer is a trusted proxy: then the
 * right-most `X-Forwarded-For` entry that is not itself a trusted proxy (entries further left are
 * written by the client and prove nothing).
 */
export function clientAddress(req: IncomingMessage, trustedProxies: ReadonlySet<string>): string {
  const peer = normalize(req.socket.remoteAddress);
  if (trustedProxies.size === 0 || !trustedProxies.has(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  if (typeof header !== 'string') return peer;
  const hops = header.split(',').slice(-MAX_HOPS);
  let address = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalize((hops[i] as string).trim());
    if (isIP(hop) === 0) break;
    address = hop;
    if (!trustedProxies.has(hop)) break;
  }
  return address;
}

function normalize(address: string | undefined): string {
  if (address === undefined) return '';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped === null ? address : (mapped[1] as string);
}
