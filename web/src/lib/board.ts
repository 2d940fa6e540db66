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
  ctx.font = '600 12px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.lineJoin = 'round';
  for (const c of cursors.values()) {
    const age = now - c.seen;
    if (age > CURSOR_TTL_MS) continue;
    const x = c.x * canvas.clientWidth;
    const y = c.y * canvas.clientHeight;
    ctx.globalAlpha = age > CURSOR_TTL_MS - 1000 ? (CURSOR_TTL_MS - age) / 1000 : 1;
    // A white outline keeps the arrow visible on a cell painted in its own colour.
    ctx.fillStyle = c.color;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 4, y + 17);
    ctx.lineTo(x + 8, y + 11);
    ctx.lineTo(x + 15, y + 10);
    ctx.closePath();
    ctx.stroke();
    ctx.fill();
    label(ctx, c, x, y, canvas.clientWidth, canvas.clientHeight);
    ctx.globalAlpha = 1;
  }
}

/**
 * The player's name on a tag of its own colour, drawn over everything else: painted
 * cells (often of that same colour) can no longer hide the letters. Near the right or bottom edge the
 * tag moves to the other side of the pointer, so it is never cut off.
 */
function label(ctx: CanvasRenderingContext2D, c: Cursor, x: number, y: number, width: number, height: number): void {
  const padX = 5;
  const tagH = 18;
  const tagW = ctx.measureText(c.name).width + 2 * padX;
  const left = x + 14 + tagW > width ? Math.max(0, x - tagW - 4) : x + 14;
  const top = y + 16 + tagH > height ? Math.max(0, y - tagH - 4) : y + 16;
  ctx.beginPath();
  ctx.roundRect(left, top, tagW, tagH, 4);
  ctx.fillStyle = c.color;
  ctx.fill();
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.fillStyle = inkOn(c.color);
  ctx.fillText(c.name, left + padX, top + tagH / 2 + 0.5);
}

/** Dark text on a light tag (a pale colour someone picked), white text on the rest. */
function inkOn(color: string): string {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (hex === null) return '#fff';
  const [r, g, b] = hex.slice(1).map((h) => Number.parseInt(h, 16) / 255) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.6 ? '#1c2230' : '#fff';
}
