import { setting } from './setting.ts';
import { flag, text } from './validators.ts';

/** What the hub serves to browsers besides the API: the SDK bundle, and the demo. */
export const PAGES = {
  clientBundle: setting(text('a file path'), {
    cli: {
      flags: '--client-bundle <file>',
      env: 'HERALD_CLIENT_BUNDLE',
      kind: 'text',
      help: 'browser SDK served at /herald.js, with /herald-ws.js and /herald-sse.js from the files beside it (without it: packages/client/dist/herald.min.js when built)',
    },
    option: { key: 'clientBundlePath', doc: 'The browser SDK bundle served at `/herald.js`, if any.' },
  }),
  demo: setting(flag, {
    default: false,
    cli: {
      // An optional value, so `--demo` alone turns it on and HERALD_DEMO=false (or --demo false) turns it off.
      flags: '--demo [on]',
      env: 'HERALD_DEMO',
      kind: 'boolean',
      help: 'publish simulated demo traffic in-process, preload the demo video and open the demo namespaces (see docs/config.md)',
    },
  }),
};
