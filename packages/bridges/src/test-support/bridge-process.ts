// A bridge in a process of its own, publishing to a hub over HTTP (as `herald bridge` will), so a
// test can SIGKILL it mid-stream. Argument: JSON { url, apiKey, config, delayMs }. Prints its status
// as one JSON line every 20 ms.
import { HeraldError } from '@herald/core';
import type { ErrorCode } from '@herald/protocol';
import type { BridgeConfigInput } from '../config.ts';
import { startBridges } from '../start.ts';
import type { BridgePublish } from '../types.ts';

const { url, apiKey, config, delayMs } = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  apiKey: string;
  config: BridgeConfigInput;
  delayMs: number;
};

const publish: BridgePublish = async (channel, inputs, key) => {
  await new Promise((r) => setTimeout(r, delayMs));
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  if (key !== undefined) headers['idempotency-key'] = key;
  const res = await fetch(`${url}/v1/channels/${encodeURIComponent(channel)}/messages`, {
    method: 'POST',
    headers,
    body: JSON.stringify(inputs[0]),
  });
  if (res.status !== 201) {
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: ErrorCode; message?: string } };
    throw new HeraldError(body.error?.code ?? 'unavailable', body.error?.message);
  }
  return { duplicate: false };
};

const bridges = startBridges([config], { publish });
setInterval(() => process.stdout.write(`${JSON.stringify(bridges.status()[0])}\n`), 20);
