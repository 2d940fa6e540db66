import type { HeraldClient, PublishOptions, PublishResult } from '@herald/client';
import { needsKey, sdk } from './hub.ts';
import { askKey, forgetKey, storedKey } from './key.ts';

/** A client holding the key the visitor typed in, used for publishing only (plain HTTP POST). */
let keyed: HeraldClient | undefined;

/**
 * Publishes through the page's client. When the hub wants credentials (the namespace does not allow
 * anonymous publishing), asks for the API key once and publishes with it from then on. The page's own
 * client stays as it is, so its subscriptions are not interrupted.
 */
export async function publishOrAsk(
  client: HeraldClient,
  channel: string,
  data: unknown,
  options: PublishOptions = {},
): Promise<PublishResult> {
  try {
    return await (keyed ?? client).publish(channel, data, options);
  } catch (error) {
    if (!needsKey(error)) throw error;
    // The key in use was refused: ask again rather than failing for the rest of the session.
    if (keyed !== undefined || storedKey() !== undefined) forgetKey();
    await keyed?.close();
    const key = await askKey(`Publishing to ${channel} needs credentials on this hub.`);
    keyed = sdk().connect(location.origin, { token: key, transports: ['poll'], reportFallbacks: false });
    return keyed.publish(channel, data, options);
  }
}
