import { DEFAULTS } from '@herald/server';
import { setting } from './setting.ts';
import { list, port, text } from './validators.ts';

/** Where the hub listens, and the keys that may do anything on it. */
export const LISTEN = {
  host: setting(text('a host name or address'), {
    default: '127.0.0.1',
    cli: { flags: '--host <host>', env: 'HERALD_HOST', kind: 'text', help: 'address to listen on' },
  }),
  port: setting(port, {
    default: 8080,
    cli: { flags: '--port <port>', env: 'HERALD_PORT', kind: 'number', help: 'port (0 = any free one)' },
  }),
  apiKeys: setting(list(text('a non-empty API key'), 'a list of API keys'), {
    default: DEFAULTS.apiKeys,
    cli: {
      flags: '--api-key <key>',
      // The same variable the client commands send a key from (they use its first key).
      env: 'HERALD_API_KEY',
      deprecatedEnv: 'HERALD_API_KEYS',
      kind: 'list',
      help: 'API key that may publish and read anything (repeatable; the variable takes a comma-separated list)',
    },
    option: { key: 'apiKeys', doc: 'API keys that may publish anywhere and read anything.' },
  }),
};
