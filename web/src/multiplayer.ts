import { COLS, CURSOR_TTL_MS, type Cursor, drawBoard, ROWS } from './lib/board.ts';
import { byId, showError } from './lib/dom.ts';
import { ms } from './lib/format.ts';
import { connectHub } from './lib/hub.ts';
import { publishOrAsk } from './lib/publish.ts';

const CURSORS = 'board:cursors';
const CELLS = 'board:cells';

/** `board:cursors`: a pointer position in board units (0..1); `sentAt` only from these pages (RTT). */
interface CursorMove {
  player: string;
  name: string;
  colour: string;
  x: number;
  y: number;
  sentAt?: number;
}
/** `board:cells`: one painted cell (grid coordinates), or `{clear: true}`. */
interface CellPaint {
  x?: number;
  y?: number;
  colour?: string;
  player?: string;
  clear?: boolean;
}

const me = Math.random().toString(36).slice(2, 8);
const name = `player-${me.slice(0, 4)}`;
const colorInput = byId<HTMLInputElement>('color');
// Saturated colours only: random RGB is often too pale to see on the board.
const PALETTE = ['#e03131', '#2f9e44', '#1971c2', '#f08c00', '#9c36b5', '#0c8599', '#e8590c', '#5f3dc4'];
colorInput.value = PALETTE[Math.floor(Math.random() * PALETTE.length)] ?? '#1971c2';

// WebSocket only: latency is the point of this page, and publishes then travel on the same socket.
const herald = connectHub({ transports: ['websocket'] });
const board = byId<HTMLCanvasElement>('board');
const cells = new Map<number, string>();
const cursors = new Map<string, Cursor>();
const rtts: number[] = [];

herald.subscribe(CURSORS).on('message', (m) => {
  const c = m.data as CursorMove;
  if (c.player === me) {
    // Our own move, back from the hub: the full publish → fan-out → delivery round trip.
    if (typeof c.sentAt === 'number') rtts.push(Date.now() - c.sentAt);
    if (rtts.length > 100) rtts.shift();
    return;
  }
  cursors.set(c.player, { x: c.x, y: c.y, color: c.colour, name: c.name, seen: Date.now() });
});

// From the start of history: the board is the sum of every paint since the last clear.
herald.subscribe(CELLS, { after: '0' }).on('message', (m) => {
  const p = m.data as CellPaint;
  if (p.clear === true) cells.clear();
  else if (isCell(p.x, COLS) && isCell(p.y, ROWS) && typeof p.colour === 'string')
    cells.set(p.y * COLS + p.x, p.colour);
});

function isCell(v: unknown, size: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < size;
}

function fail(error: unknown): void {
  showError(`publish failed: ${(error as Error).message}`);
}

// At most one cursor update per animation frame, and only the latest position.
let pending: { x: number; y: number } | undefined;
function sendMoves(): void {
  if (pending !== undefined) {
    const move: CursorMove = { player: me, name, colour: colorInput.value, ...pending, sentAt: Date.now() };
    pending = undefined;
    publishOrAsk(herald, CURSORS, move).catch(fail);
  }
  drawBoard(board, cells, cursors, Date.now());
  board.dataset.cells = String(cells.size);
  board.dataset.cursors = String([...cursors.values()].filter((c) => Date.now() - c.seen < CURSOR_TTL_MS).length);
  requestAnimationFrame(sendMoves);
}
requestAnimationFrame(sendMoves);

function position(event: PointerEvent): { x: number; y: number } {
  const r = board.getBoundingClientRect();
  return { x: (event.clientX - r.left) / r.width, y: (event.clientY - r.top) / r.height };
}

let painting = false;
let lastCell = -1;
function paint(p: { x: number; y: number }): void {
  const x = Math.min(COLS - 1, Math.floor(p.x * COLS));
  const y = Math.min(ROWS - 1, Math.floor(p.y * ROWS));
  if (y * COLS + x === lastCell) return;
  lastCell = y * COLS + x;
  const cell: CellPaint = { x, y, colour: colorInput.value, player: me };
  publishOrAsk(herald, CELLS, cell).catch(fail);
}
board.addEventListener('pointermove', (event) => {
  pending = position(event);
  if (painting) paint(pending);
});
board.addEventListener('pointerdown', (event) => {
  painting = true;
  lastCell = -1;
  board.setPointerCapture(event.pointerId);
  paint(position(event));
});
board.addEventListener('pointerup', () => {
  painting = false;
});
byId('clear').addEventListener('click', () => {
  publishOrAsk(herald, CELLS, { clear: true }).catch(fail);
});

setInterval(() => {
  if (rtts.length === 0) return;
  const sorted = [...rtts].sort((a, b) => a - b);
  const p = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  byId('rtt').textContent = ms(rtts[rtts.length - 1] ?? 0);
  byId('rtt-stats').textContent = `median ${ms(p(0.5))} · p95 ${ms(p(0.95))} over the last ${rtts.length} moves`;
  const live = [...cursors.values()].filter((c) => Date.now() - c.seen < CURSOR_TTL_MS).length + 1;
  byId('players').textContent = `${live} player${live === 1 ? '' : 's'} moving`;
}, 250);
