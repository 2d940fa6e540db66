import type { Session } from './session.ts';
import { closeEnding, type Ending } from './transport.ts';

/**
 * Handles one NDJSON line / bound WebSocket frame (contract sections 5 and 6): `subscribed`, `reset`,
 * `close` or a message. Returns an ending for a `close` line, undefined otherwise.
 */
export function handleObjectFrame(session: Session, text: string): Ending | undefined {
  if (text === '') return undefined; // heartbeat
  const frame = JSON.parse(text) as Record<string, unknown>;
  const subscribed = frame.subscribed as { epoch: string; cursor: string } | undefined;
  const reset = frame.reset as { epoch: string; from: number } | undefined;
  const close = frame.close as { code: number; reason: string } | undefined;
  if (subscribed !== undefined) session.position(subscribed.cursor);
  else if (reset !== undefined) session.reset(reset.epoch, reset.from);
  else if (close !== undefined) return closeEnding(close.code, close.reason);
  else if (typeof frame.offset === 'number') {
    session.message(frame as unknown as Parameters<Session['message']>[0]);
  }
  return undefined;
}
