/** The public API shared by every entry (each entry adds its own `connect`). */
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
// Presence is its own module: bundlers leave it out of applications that do not import it, and the
// `<script src="/herald.js">` global does not carry it (pages that need it bundle it, see docs/client.md).
export type { PresenceEvents, PresenceOptions } from './presence.ts';
export { Presence, presence } from './presence.ts';
export type { PresenceMember } from './presence-types.ts';
export type { Fallback, FallbackCode } from './selector.ts';
export type { ConnectionState, StateEvent } from './state.ts';
export type { Message, SubscribeOptions, SubscriptionEvents } from './subscription.ts';
export { Subscription } from './subscription.ts';
export type { GetToken } from './token.ts';
export type { PublishResult, TransportName } from './transports/types.ts';
