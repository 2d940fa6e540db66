import type { BridgeSnapshot } from '@herald/protocol';
import { el } from './dom.ts';

/** Counters shown per bridge, in column order. */
const COLUMNS = ['consumed', 'published', 'duplicates', 'failed', 'deadLettered', 'reconnects'] as const;

/**
 * The dashboard's "Bridges" panel: one row per message-queue bridge of the hub (docs/bridges.md) with
 * its state and counters, and the last error of any bridge that has one. Hidden while the hub has none.
 */
export function renderBridges(panel: HTMLElement, bridges: readonly BridgeSnapshot[] | undefined): void {
  const list = bridges ?? [];
  panel.hidden = list.length === 0;
  if (list.length === 0) return;
  const rows = list.map((b) => {
    const row = el('tr');
    row.dataset.bridge = b.name;
    const state = el('td', 'bridge-state', b.state);
    state.dataset.state = b.state;
    row.append(el('td', undefined, b.name), el('td', 'muted', b.type), state);
    for (const key of COLUMNS) row.append(el('td', 'num', String(b[key])));
    row.append(el('td', 'num', b.lag === null ? '–' : String(b.lag)));
    return row;
  });
  panel.querySelector('tbody')?.replaceChildren(...rows);
  const errors = list.filter((b) => b.lastError !== null).map((b) => el('li', undefined, `${b.name}: ${b.lastError}`));
  panel.querySelector('ul')?.replaceChildren(...errors);
}
