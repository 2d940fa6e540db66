import type { Cursor } from '@herald/protocol';
import type { ChannelState } from './engine.ts';

/** Where delivery starts for a cursor, and the reset to report first when the cursor cannot be honored. */
export interface StartPoint {
  /** The first offset to deliver. */
  readonly from: number;
  /** Present when the client must be told its position was not honored (contract section 1). */
  readonly reset?: { readonly epoch: string; readonly from: number };
}

/**
 * Applies the resume rule of contract section 1 to a cursor and the channel's state:
 * same epoch and within history -> continue after it; `0` -> from the oldest message, no reset;
 * another epoch, a trimmed position, or a position ahead of the channel -> a reset naming where
 * delivery continues.
 */
export function resolveCursor(cursor: Cursor, state: ChannelState): StartPoint {
  if (cursor === 'start') return { from: state.first };
  if (cursor.epoch !== state.epoch) return { from: state.first, reset: { epoch: state.epoch, from: state.first } };
  if (cursor.offset > state.last) return { from: state.last + 1, reset: { epoch: state.epoch, from: state.last + 1 } };
  if (cursor.offset + 1 < state.first) return { from: state.first, reset: { epoch: state.epoch, from: state.first } };
  return { from: cursor.offset + 1 };
}
