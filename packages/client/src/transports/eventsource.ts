import { parseSseEvent } from '../frames.ts';
import { type EventSourceConstructor, withToken } from '../platform.ts';
import { eventsUrl } from '../urls.ts';
import { type Connection, type Failure, multiAfter, type Sink, type TransportContext } from './types.ts';

/**
 * SSE through an injected EventSource (for platforms without streaming fetch). EventSource hides
 * heartbeats and status codes, so the client's watchdog only sees events here, and any error ends
 * the connection: the client reconnects from its own cursors instead of the EventSource's retry.
 */
export function openEventSourceTransport(ctx: TransportContext, sink: Sink): Connection {
  // The kit offers this transport only on a platform with an EventSource (kit.ts).
  const ES = ctx.platform.EventSource as EventSourceConstructor;
  const { channels, after } = multiAfter(ctx.positions());
  const source = new ES(withToken(eventsUrl(ctx.base, channels, after), ctx.token));
  let phase: Connection['phase'] = 'request';
  let done = false;
  const finish = (failure: Failure | undefined): void => {
    if (done) return;
    done = true;
    source.close();
    if (failure) sink.failed(failure);
  };
  const onEvent = (event: MessageEvent): void => {
    if (done) return;
    sink.alive();
    const frame = parseSseEvent(
      { event: event.type === 'message' ? undefined : event.type, data: String(event.data), id: event.lastEventId },
      channels,
    );
    if (frame?.type === 'close') finish({ kind: 'server', opened: true, code: frame.code, reason: frame.reason });
    else if (frame) sink.frame(frame);
  };
  source.onopen = (() => {
    if (done) return;
    phase = 'open';
    sink.opened();
  }) as () => void;
  source.onerror = (() =>
    finish({
      kind: phase === 'open' ? 'ended' : 'refused',
      opened: phase === 'open',
      reason: 'EventSource error',
    })) as () => void;
  source.onmessage = onEvent as (event: never) => void;
  source.addEventListener('herald.reset', onEvent);
  source.addEventListener('herald.close', onEvent);
  return {
    get phase() {
      return phase;
    },
    watched: false,
    async close() {
      finish(undefined);
    },
  };
}
