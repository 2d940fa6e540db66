/**
 * Herald client SDK, platform-neutral entry: uses the platform's globals (browsers, Deno, Node 22+)
 * or the APIs passed in the options. Node 20 users get `ws` through the package's `node` entry.
 */
import { HeraldClient } from './client.ts';
import type { ConnectOptions } from './options.ts';
import { globalPlatform } from './platform.ts';

export type { ClientEvents, PublishOptions } from './client.ts';
export { HeraldClient } from './client.ts';
export type { HeraldErrorCode, HeraldErrorDetails } from './errors.ts';
export { HeraldError } from './errors.ts';
export type { ConnectOptions, StorageLike } from './options.ts';
export type {
  EventSourceConstructor,
  EventSourceLike,
  FetchLike,
  WebSocketConstructor,
  WebSocketLike,
} from './platform.ts';
export type { ResetInfo } from './positions.ts';
export type { Fallback, FallbackCode } from './selector.ts';
export type { ConnectionState, StateEvent } from './state.ts';
export type { Message, SubscribeOptions, SubscriptionEvents } from './subscription.ts';
export { Subscription } from './subscription.ts';
export type { GetToken } from './token.ts';
export type { PublishResult, TransportName } from './transports/types.ts';

/**
 * Connects to a Herald hub at `url` (`https://hub.example.com`). Nothing is sent until the next
 * microtask, so subscriptions made right away share the first connection.
 */
export function connect(url: string, options: ConnectOptions = {}): HeraldClient {
  return new HeraldClient(url, options, globalPlatform(options));
}
