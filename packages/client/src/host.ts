import type { HeraldError } from './errors.ts';
import type { Frame } from './frames.ts';
import type { StateEvent } from './state.ts';
import type { Subscription } from './subscription.ts';

/** What the reconnector (and its recovery steps) need from the client that owns the subscriptions. */
export interface Host {
  subscriptions(): Subscription[];
  /** Applies a frame; false = a hole was found, resume from the cursors. */
  frame(frame: Frame): boolean;
  denied(channel: string, error: HeraldError): void;
  state(event: StateEvent): void;
  fatal(error: HeraldError): void;
}
