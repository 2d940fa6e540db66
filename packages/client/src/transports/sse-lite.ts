import type { SseParserFactory } from '../platform.ts';

/**
 * A small SSE parser for the browser bundle, where `eventsource-parser` would be 1.3 KB of the gzipped
 * budget. It follows the WHATWG event-stream interpretation for what the hub sends: lines end at
 * CRLF, LF or CR (also when split across chunks), `data` lines are joined with `\n`, `event` and `id`
 * apply to their event, comments and `retry` are signs of life, unknown fields are ignored. The BOM
 * is already gone: TextDecoder strips it. sse-lite.test.ts checks that it agrees with
 * eventsource-parser.
 */
export const liteSseParser: SseParserFactory = (onEvent, onOther) => {
  let buffer = '';
  let data: string[] = [];
  let event: string | undefined;
  let id: string | undefined;
  const line = (text: string): void => {
    if (text === '') {
      if (data.length > 0) onEvent({ event, data: data.join('\n'), id });
      data = [];
      event = id = undefined;
      return;
    }
    const colon = text.indexOf(':');
    if (colon === 0) {
      onOther(); // a comment: the hub's heartbeat
      return;
    }
    // The field runs to the first colon (or is the whole line); one space after the colon is dropped.
    // The pattern matches every line, and both groups always take part.
    const [, field, value] = /^([^:]*):? ?(.*)$/s.exec(text) as unknown as [string, string, string];
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value || undefined;
    else if (field === 'id' && !value.includes('\0')) id = value;
    else if (field === 'retry') onOther();
  };
  return (chunk) => {
    buffer += chunk;
    const ends = /\r\n?|\n/g;
    let start = 0;
    for (let m = ends.exec(buffer); m !== null; m = ends.exec(buffer)) {
      // A CR at the very end may be the first half of a CRLF: decide when the next chunk comes.
      if (m[0] === '\r' && ends.lastIndex === buffer.length) break;
      line(buffer.slice(start, m.index));
      start = ends.lastIndex;
    }
    buffer = buffer.slice(start);
  };
};
