import { authHeaders, channelUrl, compactJson, describeError, errorBody } from './http.ts';
import type { CliIo } from './io.ts';

/** Arguments of `herald publish`. */
export interface PublishOptions {
  readonly channel: string;
  /** Message data as JSON text, or `-` for stdin. */
  readonly json: string;
  readonly event?: string | undefined;
  readonly idempotencyKey?: string | undefined;
  readonly url: string;
  readonly apiKey?: string | undefined;
}

/** `herald publish`: POSTs one message; prints the answer (stdout) or the error body (stderr, exit 1). */
export async function publish(options: PublishOptions, io: CliIo): Promise<number> {
  const text = options.json === '-' ? await io.readStdin() : options.json;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    io.err(`herald publish: the message data is not valid JSON: ${(error as Error).message}\n`);
    return 1;
  }
  const url = channelUrl(options.url, options.channel, '/messages');
  const headers: Record<string, string> = { 'content-type': 'application/json', ...authHeaders(options.apiKey) };
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  let res: Response;
  try {
    const body = JSON.stringify(options.event === undefined ? { data } : { event: options.event, data });
    res = await fetch(url, { method: 'POST', headers, body });
  } catch (error) {
    io.err(`herald publish: cannot reach ${options.url}: ${describeError(error)}\n`);
    return 1;
  }
  if (!res.ok) {
    io.err(`${await errorBody(res)}\n`);
    return 1;
  }
  io.out(`${compactJson(await res.text())}\n`);
  return 0;
}
