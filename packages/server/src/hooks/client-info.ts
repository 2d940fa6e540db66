import type { IncomingMessage } from 'node:http';

/** What a hook learns about the client asking: its own request details, nobody else's. */
export interface ClientInfo {
  /** The client's address, as the per-address limits see it (trustedProxies applied). */
  readonly ip: string;
  readonly origin: string | undefined;
  readonly userAgent: string | undefined;
  /** The client's request headers that some namespace forwards (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
}

/** The client's details from its request; only headers named in `forward` are kept. */
export function clientInfo(req: IncomingMessage, ip: string, forward: ReadonlySet<string>): ClientInfo {
  const headers: Record<string, string> = {};
  for (const name of forward) {
    const value = req.headers[name];
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { ip, origin: req.headers.origin, userAgent: req.headers['user-agent'], headers };
}

/** The part of `client` one namespace forwards: its headers limited to `forward`. */
export function forwardedClient(client: ClientInfo, forward: readonly string[]): object {
  const headers: Record<string, string> = {};
  for (const name of forward) {
    const value = client.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  return { ip: client.ip, origin: client.origin, userAgent: client.userAgent, headers };
}
