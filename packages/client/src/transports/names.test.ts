import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect } from '../index.ts';
import { parseTransports, storedTransport } from './names.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('transport names in the SDK', () => {
  it('takes the current names as given, in order, without duplicates', () => {
    expect(parseTransports(['long-poll', 'websocket', 'ndjson', 'sse', 'poll', 'sse'])).toEqual([
      'long-poll',
      'websocket',
      'ndjson',
      'sse',
      'poll',
    ]);
  });

  it('maps the old spellings with one console.warn per spelling', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(parseTransports(['stream', 'longpoll'])).toEqual(['ndjson', 'long-poll']);
    expect(parseTransports(['stream', 'ws'])).toEqual(['ndjson', 'websocket']);
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      "Herald: transport name 'stream' is deprecated: use 'ndjson' (it still works for now)",
      "Herald: transport name 'longpoll' is deprecated: use 'long-poll' (it still works for now)",
      "Herald: transport name 'ws' is deprecated: use 'websocket' (it still works for now)",
    ]);
  });

  it('refuses unknown names, naming them and listing the valid ones', () => {
    expect(() => parseTransports(['sse', 'websockets', 'constructor'])).toThrow(
      expect.objectContaining({
        code: 'bad_request',
        message: "unknown transports 'websockets', 'constructor'; valid: websocket, sse, ndjson, long-poll, poll",
      }),
    );
  });

  it('connect() throws for an unknown name instead of "none works on this platform"', () => {
    // A JavaScript caller can pass anything; the typed option only lets TypeScript callers catch it sooner.
    const transports = ['websocketz'] as unknown as ['websocket'];
    expect(() => connect('http://127.0.0.1:9', { transports })).toThrow(
      "unknown transport 'websocketz'; valid: websocket, sse, ndjson, long-poll, poll",
    );
  });

  it('reads a remembered transport stored under an old spelling', () => {
    expect(storedTransport('longpoll')).toBe('long-poll');
    expect(storedTransport('sse')).toBe('sse');
    expect(storedTransport('carrier-pigeon')).toBeUndefined();
    expect(storedTransport(null)).toBeUndefined();
  });
});
