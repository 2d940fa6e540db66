import { el } from './dom.ts';

/** Draws segments `[from, to)` of `total` on a track element, keeping any child marked `keep`. */
export function drawSegments(
  track: HTMLElement,
  total: number,
  segments: ReadonlyArray<readonly [number, number]>,
): void {
  for (const old of track.querySelectorAll('.seg')) old.remove();
  if (!(total > 0)) return;
  for (const [from, to] of segments) {
    const seg = el('span', 'seg');
    seg.style.left = `${(100 * from) / total}%`;
    seg.style.width = `${(100 * Math.max(0, to - from)) / total}%`;
    track.append(seg);
  }
}
