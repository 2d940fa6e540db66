import { authHeaders, channelUrl } from '../http.ts';
import { handleObjectFrame } from './frames.ts';
import { type Connect, httpEnding, readLines } from './transport.ts';

/** `--transport stream`: NDJSON HTTP streaming (contract section 5). */
export const connectNdjson: Connect = async (session, target) => {
  const query = session.cursor === undefined ? '' : `?after=${encodeURIComponent(session.cursor)}`;
  const res = await fetch(channelUrl(target.url, session.channel, `/messages${query}`), {
    headers: { accept: 'application/x-ndjson', ...authHeaders(target.apiKey) },
    signal: session.stop.signal,
  });
  if (!res.ok || res.body === null) return httpEnding(res);
  session.connected('ndjson');
  for await (const line of readLines(res.body)) {
    const ending = handleObjectFrame(session, line);
    if (ending !== undefined) return ending;
    if (session.done) break;
  }
  return { advice: 'now', reason: 'the stream ended' };
};
