import { WebSocket } from 'ws';
import { authHeaders, channelUrl } from '../http.ts';
import { handleObjectFrame } from './frames.ts';
import { type Connect, closeEnding, type Ending } from './transport.ts';

/** `--transport ws`: a WebSocket bound to the channel (contract section 6). */
export const connectWs: Connect = (session, target) =>
  new Promise<Ending>((resolve) => {
    const query = session.cursor === undefined ? '' : `?after=${encodeURIComponent(session.cursor)}`;
    const url = channelUrl(target.url.replace(/^http/, 'ws'), session.channel, `/messages${query}`);
    const ws = new WebSocket(url, { headers: authHeaders(target.apiKey) });
    let ending: Ending | undefined;
    const finish = (): void => {
      ws.close(1000);
    };
    session.stop.signal.addEventListener('abort', finish, { once: true });
    ws.on('open', () => session.connected('websocket'));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      try {
        ending ??= handleObjectFrame(session, data.toString());
      } catch (error) {
        ending = { advice: 'never', reason: `bad frame from the hub: ${(error as Error).message}` };
        ws.terminate();
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      // The upgrade was refused with an HTTP answer: 4xx will not change by retrying.
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const transient = status >= 500 || status === 429 || status === 408;
        ending = { advice: transient ? 'backoff' : 'never', reason: `HTTP ${status} ${Buffer.concat(chunks)}` };
        ws.terminate();
      });
    });
    ws.on('error', (error) => {
      ending ??= { advice: 'backoff', reason: error.message };
    });
    ws.on('close', (code, reason) => {
      session.stop.signal.removeEventListener('abort', finish);
      resolve(ending ?? closeEnding(code, reason.toString()));
    });
  });
