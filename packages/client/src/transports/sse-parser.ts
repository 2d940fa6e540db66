import { createParser } from 'eventsource-parser';
import type { SseParserFactory } from '../platform.ts';

/**
 * The SSE parser of the Node and bundler entries: `eventsource-parser`, the maintained reference
 * implementation of the WHATWG event-stream rules. Comments (the hub's heartbeats) and `retry:`
 * count as signs of life.
 */
export const eventsourceParser: SseParserFactory = (onEvent, onOther) => {
  const parser = createParser({ onEvent, onRetry: onOther, onComment: onOther });
  return (text) => parser.feed(text);
};
