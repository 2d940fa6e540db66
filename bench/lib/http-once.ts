// One-off HTTP exchanges of the orchestrator: a publish to set up a channel, a GET to learn its
// validators, and one exchange on a raw socket to count its bytes on the wire exactly.
import { request } from 'node:http';
import { connect } from 'node:net';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function httpOnce(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false, timeout: 10_000 });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
        resolve({ status: res.statusCode ?? 0, headers, body });
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer`)));
    req.end(init.body);
  });
}

/**
 * Sends a minimal GET (what wrk sends: request line, Host, the given headers) on a fresh socket
 * and reads one bodiless answer (304/204): bytes each way, as on the wire.
 */
export function exchangeBytes(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; requestBytes: number; responseBytes: number }> {
  const u = new URL(url);
  const lines = [`GET ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  const head = `${lines.join('\r\n')}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    let text = '';
    const timer = setTimeout(() => socket.destroy(new Error('no answer')), 10_000);
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(head));
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (!text.includes('\r\n\r\n')) return;
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
      resolve({ status, requestBytes: Buffer.byteLength(head), responseBytes: socket.bytesRead });
      socket.destroy();
    });
    socket.on('error', reject);
  });
}
