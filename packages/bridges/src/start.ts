import { startBridge } from './bridge.ts';
import { type BridgeConfigInput, parseBridgesConfig } from './config.ts';
import type { BridgeDeps, BridgeLogger, Bridges } from './types.ts';

const SILENT: BridgeLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Checks `config` (the `bridges` section; throws naming a bad option) and starts every enabled bridge in
 * the background. Returns at once: connections are made, and remade after a broker outage, by the
 * bridges themselves; `status()` tells where each one is.
 */
export function startBridges(config: readonly BridgeConfigInput[], deps: BridgeDeps): Bridges {
  const parsed = parseBridgesConfig(config);
  const logger = deps.logger ?? SILENT;
  const handles = parsed.map((bridge) => startBridge(bridge, deps, logger));
  let closing: Promise<void> | undefined;
  return {
    handles,
    status: () => handles.map((h) => h.status()),
    ready: () => handles.every((h) => ['up', 'disabled'].includes(h.status().state)),
    close() {
      closing ??= Promise.all(handles.map((h) => h.close())).then(() => {});
      return closing;
    },
  };
}
