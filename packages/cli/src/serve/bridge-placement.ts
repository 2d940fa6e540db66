import type { BridgeConfig } from '@herald/bridges';

/** Whether a bridge may run in every worker of `serve --workers`, and why. */
export interface Placement {
  /** True: its source gives each message to one consumer of a group, so N workers publish it once. */
  readonly everyWorker: boolean;
  readonly reason: string;
}

/**
 * Where a bridge runs under `--workers`. Sources that share work between consumers (a queue, a shared
 * subscription, a queue group, a durable consumer, a consumer group, row locks) run in every worker;
 * the others would hand every message to every worker, which would publish it N times (core NATS and
 * QoS 0 MQTT have no idempotency key to save them), so they run in worker 1 only. Refusing them would
 * forbid a plain subject feed on a cluster for no gain: worker 1 publishes into the shared engine,
 * and every worker's subscribers get the messages.
 */
export function placement(bridge: BridgeConfig): Placement {
  switch (bridge.type) {
    case 'rabbitmq':
      return { everyWorker: true, reason: 'one queue, each message to one consumer' };
    case 'mqtt':
      return bridge.shareGroup === undefined
        ? { everyWorker: false, reason: 'no shareGroup: every subscriber gets every message' }
        : { everyWorker: true, reason: `shared subscription $share/${bridge.shareGroup}` };
    case 'nats':
      return bridge.queueGroup === undefined
        ? { everyWorker: false, reason: 'no queueGroup: every subscriber gets every message' }
        : { everyWorker: true, reason: `queue group ${bridge.queueGroup}` };
    case 'nats-jetstream':
      return { everyWorker: true, reason: `durable consumer ${bridge.durable}` };
    case 'redis-streams':
      return { everyWorker: true, reason: `consumer group ${bridge.group}` };
    case 'postgres-outbox':
      return { everyWorker: true, reason: 'row locks (FOR UPDATE SKIP LOCKED)' };
  }
}

/**
 * The bridges worker `slot` runs. A session or consumer name the config sets is one per process, so
 * each worker gets its own (`<name>-w<slot>`, stable across restarts of that worker): two MQTT clients
 * with one client id would throw each other off the broker, and two Redis consumers with one name
 * would re-read each other's pending entries.
 */
export function bridgesForWorker(bridges: readonly BridgeConfig[], slot: number): BridgeConfig[] {
  const mine = bridges.filter((b) => slot === 1 || placement(b).everyWorker);
  return mine.map((b) => {
    if (b.type === 'mqtt' && b.shareGroup !== undefined) return { ...b, clientId: `${b.clientId}-w${slot}` };
    if (b.type === 'redis-streams' && b.consumer !== undefined) return { ...b, consumer: `${b.consumer}-w${slot}` };
    return b;
  });
}

/**
 * The "Bridges:" start-up line, or undefined without bridges. With `workers`, each bridge says where it
 * runs: `Bridges: orders (rabbitmq, every worker), prices (nats, worker 1 only: no queueGroup: …)`.
 */
export function bridgesLine(bridges: readonly BridgeConfig[], workers?: number): string | undefined {
  if (bridges.length === 0) return undefined;
  const items = bridges.map((b) => {
    const notes: string[] = [b.type];
    if (!b.enabled) notes.push('disabled');
    else if (workers !== undefined) {
      const where = placement(b);
      notes.push(where.everyWorker ? 'every worker' : `worker 1 only: ${where.reason}`);
    }
    return `${b.name} (${notes.join(', ')})`;
  });
  return `Bridges: ${items.join(', ')}\n`;
}
