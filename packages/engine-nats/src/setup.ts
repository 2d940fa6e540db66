import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { apiCode, type Clients } from './link.ts';
import type { NatsEngineSettings } from './options.ts';
import type { Names } from './subjects.ts';

/** JetStream error codes the engine reacts to. */
export const JS_STREAM_NOT_FOUND = 10059;
const JS_STREAM_NAME_IN_USE = 10058;

/** The settings of the history stream the engine manages. */
function streamConfig(names: Names, settings: NatsEngineSettings): Partial<StreamConfig> & { name: string } {
  return {
    name: names.stream,
    subjects: [names.historySubjects],
    retention: RetentionPolicy.Limits,
    storage: settings.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: settings.replicas,
    max_age: nanos(settings.maxAgeMs),
    max_msgs_per_subject: settings.maxMessagesPerChannel,
    duplicate_window: nanos(settings.idempotencyWindowMs),
    discard: DiscardPolicy.Old,
    // Direct gets (any replica answers, no stream leader round trip) are how positions are looked up.
    allow_direct: true,
    // Every stored message, and only stored ones, in stream order, to the nodes' live feeds.
    republish: { src: names.historySubjects, dest: names.feedSubjects },
  };
}

/** The fields compared to decide whether an existing stream needs an update. */
const MANAGED = [
  'subjects',
  'max_age',
  'max_msgs_per_subject',
  'duplicate_window',
  'allow_direct',
  'republish',
] as const;

/**
 * Creates the history stream, or brings the limits of an existing one to this engine's settings (the
 * nodes of one hub share their settings; a restart with new limits applies them). Safe to run on many
 * nodes at once.
 */
export async function ensureStream(clients: Clients, names: Names, settings: NatsEngineSettings): Promise<void> {
  const wanted = streamConfig(names, settings);
  const { jsm } = clients;
  let existing: StreamConfig;
  try {
    existing = (await jsm.streams.info(names.stream)).config;
  } catch (error) {
    if (apiCode(error) !== JS_STREAM_NOT_FOUND) throw error;
    try {
      await jsm.streams.add(wanted);
      return;
    } catch (added) {
      // Another node created it meanwhile.
      if (apiCode(added) !== JS_STREAM_NAME_IN_USE) throw added;
      existing = (await jsm.streams.info(names.stream)).config;
    }
  }
  const differs = MANAGED.some((key) => JSON.stringify(existing[key]) !== JSON.stringify(wanted[key]));
  // Only the managed fields: storage and replicas of an existing stream are the operator's to change.
  if (differs) await jsm.streams.update(names.stream, { ...existing, ...pick(wanted, MANAGED) });
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, value[key]])) as Pick<T, K>;
}
