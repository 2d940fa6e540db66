import { MEMORY_ENGINE_DEFAULTS } from '@herald/core';
import { setting } from './setting.ts';
import { limit } from './validators.ts';

/** Budgets of the in-memory engine (`maxChannels` also bounds SQLite's). */
export const MEMORY = {
  maxHistoryBytes: setting(limit('bytes'), {
    default: MEMORY_ENGINE_DEFAULTS.maxHistoryBytes,
    cli: {
      flags: '--max-history-bytes <bytes>',
      env: 'HERALD_MAX_HISTORY_BYTES',
      kind: 'number',
      help: 'in-memory history over all channels; oldest messages go first beyond it (0 = no limit)',
    },
  }),
  maxChannelHistoryBytes: setting(limit('bytes'), {
    default: MEMORY_ENGINE_DEFAULTS.maxChannelHistoryBytes,
    cli: {
      flags: '--max-channel-history-bytes <bytes>',
      env: 'HERALD_MAX_CHANNEL_HISTORY_BYTES',
      kind: 'number',
      help: 'in-memory history of one channel (0 = no limit)',
    },
  }),
  maxChannels: setting(limit('channels'), {
    default: MEMORY_ENGINE_DEFAULTS.maxChannels,
    cli: {
      flags: '--max-channels <n>',
      env: 'HERALD_MAX_CHANNELS',
      kind: 'number',
      help: 'channels held at once (memory and SQLite); the least recently used idle ones make room (0 = no limit)',
    },
  }),
};
