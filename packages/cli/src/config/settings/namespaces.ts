import { DEFAULT_NAMESPACE as CORE_DEFAULT_NAMESPACE } from '@herald/core';
import { z } from 'zod';
import { hooksSchema } from '../hooks-config.ts';
import { groupSchema } from './derive.ts';
import { group, setting } from './setting.ts';
import { bytes, flag, ms, positiveInt } from './validators.ts';

/** Namespace names are channel-name prefixes before the first `:` (contract section 1). */
export const NAMESPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;

/**
 * Settings of one namespace, in the config file's units, as `defaultNamespace`; a namespace of
 * `namespaces` takes the same keys, and those it leaves out keep the default namespace's.
 */
export const DEFAULT_NAMESPACE = group(
  {
    historySize: setting(positiveInt('a positive integer (messages)'), {
      default: CORE_DEFAULT_NAMESPACE.history.size,
      cli: {
        flags: '--history-size <n>',
        env: 'HERALD_HISTORY_SIZE',
        kind: 'number',
        help: 'messages kept per channel (default namespace)',
      },
    }),
    historyMaxAgeMs: setting(ms, {
      default: CORE_DEFAULT_NAMESPACE.history.maxAgeMs,
      cli: {
        flags: '--history-max-age-ms <ms>',
        env: 'HERALD_HISTORY_MAX_AGE_MS',
        kind: 'number',
        help: 'oldest message kept (default namespace)',
      },
    }),
    anonymousSubscribe: setting(flag, { default: CORE_DEFAULT_NAMESPACE.anonymousSubscribe }),
    anonymousPublish: setting(flag, { default: CORE_DEFAULT_NAMESPACE.anonymousPublish }),
    maxMessageBytes: setting(bytes, {
      default: CORE_DEFAULT_NAMESPACE.maxMessageBytes,
      cli: {
        flags: '--max-message-bytes <bytes>',
        env: 'HERALD_MAX_MESSAGE_BYTES',
        kind: 'number',
        help: 'largest message data (default namespace)',
      },
    }),
    presence: setting(flag, { default: CORE_DEFAULT_NAMESPACE.presence }),
    hooks: setting(hooksSchema),
  },
  'expected an object of namespace settings',
  { key: 'defaultNamespace', doc: 'Settings of the default namespace.' },
);

/** Settings of one namespace, in the config file's units. Fields left out keep the default namespace's. */
export const namespaceSchema = groupSchema(DEFAULT_NAMESPACE);

export const NAMESPACES = setting(
  z.record(
    z.string().regex(NAMESPACE_NAME, { error: 'expected a namespace name (a channel name part before any ":")' }),
    namespaceSchema,
    { error: 'expected an object of namespace name -> settings' },
  ),
  {
    default: {},
    option: {
      key: 'namespaces',
      doc: 'Settings per namespace name (fields not given come from `defaultNamespace`).',
    },
  },
);
