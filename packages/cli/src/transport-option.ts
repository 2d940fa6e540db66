import {
  deprecatedTransportMessage,
  lookupTransport,
  TRANSPORT_NAMES,
  type TransportName,
  unknownTransportsMessage,
} from '@herald/protocol';
import { InvalidArgumentError, Option } from 'commander';
import type { CliIo } from './io.ts';

/**
 * `subscribe --transport <name>`: one of the transport names (`websocket`, `sse`, `ndjson`,
 * `long-poll`, `poll`). The old spellings `ws`, `stream` and `longpoll` still work, with a warning
 * on stderr; anything else stops with a line naming it and listing the valid names.
 */
export function transportOption(io: CliIo): Option {
  return new Option('--transport <name>', `how to receive: ${TRANSPORT_NAMES.join(', ')}`)
    .default('sse' satisfies TransportName)
    .argParser((value: string): TransportName => {
      const found = lookupTransport(value);
      if (found === undefined) throw new InvalidArgumentError(unknownTransportsMessage([value]));
      if (found.deprecated !== undefined) io.err(`warning: ${deprecatedTransportMessage(value, found.name)}\n`);
      return found.name;
    });
}
