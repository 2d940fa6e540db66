import { el } from './dom.ts';

/** One bar: a label, a value (sets the length), a colour and the text shown. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly color: string;
  readonly text: string;
}

/**
 * A titled group of horizontal bars, scaled to the largest value: plain elements, because four bars
 * redrawn a few times a second need nothing more.
 */
export function renderBars(container: HTMLElement, title: string, bars: readonly Bar[]): void {
  const max = Math.max(1e-9, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  const group = el('div', 'bar-group');
  group.append(el('h3', undefined, title));
  for (const b of bars) {
    const row = el('div', 'bar-row');
    const fill = el('span', 'bar-fill');
    fill.style.setProperty('--c', b.color);
    fill.style.width = `${(100 * (Number.isFinite(b.value) ? b.value : 0)) / max}%`;
    const track = el('span', 'bar-track');
    track.append(fill);
    row.append(el('span', 'bar-label', b.label), track, el('span', 'bar-text', b.text));
    group.append(row);
  }
  container.append(group);
}
