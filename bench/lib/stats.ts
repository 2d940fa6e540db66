// Reads Herald's own view of itself (GET /v1/stats): the V8 heap, which RSS alone cannot show.
import { get } from 'node:http';

/** memory.heapUsed in bytes, or undefined when the hub does not answer it. */
export function heapUsed(origin: string, timeoutMs = 5000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = get(`${origin}/v1/stats`, { agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        try {
          const body = JSON.parse(text) as { memory?: { heapUsed?: unknown } };
          const value = body.memory?.heapUsed;
          resolve(typeof value === 'number' ? value : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
  });
}
