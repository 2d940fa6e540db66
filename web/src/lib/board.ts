/** The board's grid size, in cells (the demo simulator paints on the same 16 x 16 grid). */
export const COLS = 16;
export const ROWS = 16;

/** Another player's pointer, in board units (0..1), and when it last moved. */
export interface Cursor {
  x: number;
  y: number;
  color: string;
  name: string;
  seen: number;
}

/** A cursor not heard from for this long is no longer drawn (its tab closed or went idle). */
export const CURSOR_TTL_MS = 5_000;

/** Draws the painted cells, the grid and every live cursor. Pure drawing, no state of its own. */
export function drawBoard(
  canvas: HTMLCanvasElement,
  cells: ReadonlyMap<number, string>,
  cursors: ReadonlyMap<string, Cursor>,
  now: number,
): void {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.round(canvas.clientWidth * ratio);
  const h = Math.round(canvas.clientHeight * ratio);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  if (ctx === null || w === 0) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const cw = canvas.clientWidth / COLS;
  const ch = canvas.clientHeight / ROWS;
  ctx.fillStyle = '#fbfcfd';
  ctx.fillRect(0, 0, canvas.clientWidth, canvas.clientHeight);
  for (const [index, color] of cells) {
    ctx.fillStyle = color;
    ctx.fillRect((index % COLS) * cw, Math.floor(index / COLS) * ch, cw, ch);
  }
  ctx.strokeStyle = '#eceff3';
  ctx.beginPath();
  for (let c = 1; c < COLS; c++) {
    ctx.moveTo(Math.round(c * cw) + 0.5, 0);
    ctx.lineTo(Math.round(c * cw) + 0.5, canvas.clientHeight);
  }
  for (let r = 1; r < ROWS; r++) {
    ctx.moveTo(0, Math.round(r * ch) + 0.5);
    ctx.lineTo(canvas.clientWidth, Math.round(r * ch) + 0.5);
  }
  ctx.stroke();
  ctx.font = '12px system-ui, sans-serif';
  for (const c of cursors.values()) {
    const age = now - c.seen;
    if (age > CURSOR_TTL_MS) continue;
    const x = c.x * canvas.clientWidth;
    const y = c.y * canvas.clientHeight;
    ctx.globalAlpha = age > CURSOR_TTL_MS - 1000 ? (CURSOR_TTL_MS - age) / 1000 : 1;
    ctx.fillStyle = c.color;
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 4, y + 17);
    ctx.lineTo(x + 8, y + 11);
    ctx.lineTo(x + 15, y + 10);
    ctx.closePath();
    ctx.fill();
    // Labels near the right edge go to the left of the pointer, so they are never cut off.
    const label = ctx.measureText(c.name).width;
    ctx.fillText(c.name, x + 14 + label > canvas.clientWidth ? x - label - 4 : x + 14, y + 24);
    ctx.globalAlpha = 1;
  }
}
