import type { StatsSnapshot } from '@herald/protocol';
import { RATE, valueLabel } from './axis.ts';
import { el } from './dom.ts';

/** Columns after the channel name. */
const COLUMNS = 3;

/**
 * The dashboard's "Busiest channels" table: the stats stream's top channels (by message rate and by
 * subscribers, most messages first), or a line saying why there are none yet, so an empty table
 * never looks broken.
 */
export function renderTopChannels(body: HTMLElement, channels: StatsSnapshot['topChannels']): void {
  if (channels.length === 0) {
    const cell = el(
      'td',
      'empty',
      'No channels yet: a channel shows up here once someone subscribes to it or publishes to it.',
    );
    cell.colSpan = COLUMNS + 1;
    const row = el('tr');
    row.append(cell);
    body.replaceChildren(row);
    return;
  }
  body.replaceChildren(
    ...channels.map((c) => {
      const row = el('tr');
      row.dataset.channel = c.channel;
      row.append(
        el('td', 'channel', c.channel),
        el('td', 'num', valueLabel(RATE, c.messagesPerSec)),
        el('td', 'num', String(c.subscribers)),
        el('td', 'num', String(c.historyLength)),
      );
      return row;
    }),
  );
}
