import { byId, el, showError } from './lib/dom.ts';
import { bytes, ms } from './lib/format.ts';
import { drawSegments } from './lib/track.ts';

/** `?blob=name` plays another stored blob; the demo simulator stores `demo-video`. */
const name = new URLSearchParams(location.search).get('blob') ?? 'demo-video';
const url = `/v1/blobs/${encodeURIComponent(name)}`;

// No live connection on this page (plain HTTP requests only): the header's connection badge does not apply.
byId('connection').hidden = true;

const video = byId<HTMLVideoElement>('video');
const meta = byId('meta');
const buffered = byId('buffered');
const playhead = byId('playhead');
const state = byId('state');

function fact(label: string, value: string): void {
  meta.append(el('dt', undefined, label), el('dd', undefined, value));
}

/** HEAD first: the size and headers, and no broken player when the blob is not there. */
async function describeBlob(): Promise<number | undefined> {
  const res = await fetch(url, { method: 'HEAD' });
  if (!res.ok) {
    showError(
      res.status === 404
        ? `There is no blob "${name}" on this hub. Start the hub with the demo (npm start, or npx herald serve --demo) or upload one: ` +
            `curl -X PUT -H "Authorization: Bearer $KEY" -H "Content-Type: video/webm" --data-binary @video.webm ${location.origin}${url}`
        : `HEAD ${url} answered ${res.status}`,
    );
    return undefined;
  }
  const size = Number(res.headers.get('content-length'));
  fact('name', name);
  fact('size', `${bytes(size)} (${size} bytes)`);
  fact('type', res.headers.get('content-type') ?? '?');
  fact('accept-ranges', res.headers.get('accept-ranges') ?? 'none');
  fact('etag', res.headers.get('etag') ?? '?');
  return size;
}

const READY = ['nothing', 'metadata', 'current frame', 'future data', 'enough data'];
function showBuffered(): void {
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < video.buffered.length; i++) ranges.push([video.buffered.start(i), video.buffered.end(i)]);
  const duration = Number.isFinite(video.duration) ? video.duration : 0;
  drawSegments(buffered, duration, ranges);
  playhead.style.left = duration > 0 ? `${(100 * video.currentTime) / duration}%` : '0';
  const have = ranges.reduce((n, [a, b]) => n + b - a, 0);
  state.textContent = `readyState ${video.readyState} (${READY[video.readyState] ?? '?'}) · ${have.toFixed(1)} of ${duration.toFixed(1)} s buffered in ${ranges.length} range${ranges.length === 1 ? '' : 's'}`;
  video.dataset.readyState = String(video.readyState);
}
for (const event of ['progress', 'timeupdate', 'loadedmetadata', 'seeking', 'canplay']) {
  video.addEventListener(event, showBuffered);
}
byId('seek').addEventListener('click', () => {
  if (Number.isFinite(video.duration)) video.currentTime = video.duration * 0.8;
});

/** Fetches the blob chunk by chunk with Range requests, drawing each 206 as it arrives. */
async function download(size: number): Promise<void> {
  const chunk = Number(byId<HTMLSelectElement>('chunk').value);
  const list = byId('ranges');
  const track = byId('bytes');
  list.replaceChildren();
  const got: Array<[number, number]> = [];
  drawSegments(track, size, got);
  for (let start = 0; start < size; start += chunk) {
    const end = Math.min(size, start + chunk) - 1;
    const t0 = performance.now();
    const res = await fetch(url, { headers: { range: `bytes=${start}-${end}` }, cache: 'no-store' });
    const body = await res.arrayBuffer();
    got.push([start, start + body.byteLength]);
    drawSegments(track, size, got);
    const item = el(
      'li',
      undefined,
      `${res.status} ${res.headers.get('content-range') ?? ''} · ${bytes(body.byteLength)} in ${ms(performance.now() - t0)}`,
    );
    item.dataset.status = String(res.status);
    list.append(item);
    if (res.status !== 206) break;
  }
}

describeBlob().then(
  (size) => {
    if (size === undefined) return;
    video.src = url;
    byId('fetch').addEventListener('click', () => {
      download(size).catch((e: unknown) => showError(`download failed: ${(e as Error).message}`));
    });
  },
  (e: unknown) => showError(`cannot reach the hub: ${(e as Error).message}`),
);
