/**
 * @module dashboard/web/views/review/marks
 * How the review charts mark a reading's validation state: a colour AND a shape for each (valid
 * dot, flagged triangle, invalidated cross, restored diamond, station flags squares), so the
 * chart reads without colour too; the legend draws the same shapes with the same function. The
 * state itself comes from domain/validation/codes (validationStateOf), the one rule of the server.
 */
import { QUALITY_NAMES } from '../../../../../domain/quality';
import { validationStateOf } from '../../../../../domain/validation/codes';

export type Shape = 'dot' | 'triangle' | 'cross' | 'diamond' | 'square' | 'ring';
/** What a point shows: the validation state, the station's flags one by one. */
export type MarkKey = 'valid' | 'flagged' | 'invalidated' | 'restored' | 'station_calibrating' | 'station_fault' | 'station_out_of_range' | 'station_maintenance';

export interface Mark {
  key: MarkKey;
  colour: string;
  shape: Shape;
  /** marker size in CSS px */
  size: number;
}

export const MARKS: readonly Mark[] = [
  { key: 'valid', colour: '#2e7d32', shape: 'dot', size: 3 },
  { key: 'flagged', colour: '#e65100', shape: 'triangle', size: 8 },
  { key: 'invalidated', colour: '#c62828', shape: 'cross', size: 8 },
  { key: 'restored', colour: '#1565c0', shape: 'diamond', size: 8 },
  { key: 'station_calibrating', colour: '#8e24aa', shape: 'square', size: 7 },
  { key: 'station_maintenance', colour: '#6d4c41', shape: 'square', size: 7 },
  { key: 'station_fault', colour: '#37474f', shape: 'ring', size: 7 },
  { key: 'station_out_of_range', colour: '#ad1457', shape: 'square', size: 7 },
];
const BY_KEY = new Map(MARKS.map((m) => [m.key, m]));

/** The mark of a reading from its `quality`, `qc` and `review`. */
export function markOf(quality: number, qc: number, review: number): Mark {
  const state = validationStateOf(quality, qc, review);
  if (state === 'station_flag') {
    const name = QUALITY_NAMES[quality] ?? 'fault';
    return BY_KEY.get(`station_${name === 'valid' ? 'fault' : name}` as MarkKey)!;
  }
  return BY_KEY.get(state)!;
}

/** Draws `mark` centred on (x, y) (device pixels; `px` = device pixels per CSS pixel). */
export function drawMark(ctx: CanvasRenderingContext2D, mark: Mark, x: number, y: number, px: number): void {
  const r = (mark.size * px) / 2;
  ctx.fillStyle = mark.colour;
  ctx.strokeStyle = mark.colour;
  ctx.lineWidth = 1.6 * px;
  ctx.beginPath();
  switch (mark.shape) {
    case 'dot':
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fill();
      return;
    case 'ring':
      ctx.arc(x, y, r * 0.8, 0, 2 * Math.PI);
      ctx.stroke();
      return;
    case 'triangle':
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y + r * 0.8);
      ctx.lineTo(x - r, y + r * 0.8);
      ctx.closePath();
      ctx.fill();
      return;
    case 'diamond':
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y);
      ctx.lineTo(x, y + r);
      ctx.lineTo(x - r, y);
      ctx.closePath();
      ctx.fill();
      return;
    case 'square':
      ctx.rect(x - r * 0.8, y - r * 0.8, r * 1.6, r * 1.6);
      ctx.fill();
      return;
    case 'cross':
      ctx.moveTo(x - r, y - r);
      ctx.lineTo(x + r, y + r);
      ctx.moveTo(x + r, y - r);
      ctx.lineTo(x - r, y + r);
      ctx.stroke();
      return;
  }
}

/** A small canvas showing `mark` (for the legend and the tooltip). */
export function markIcon(mark: Mark): HTMLCanvasElement {
  const px = window.devicePixelRatio || 1;
  const size = 14;
  const c = document.createElement('canvas');
  c.width = size * px;
  c.height = size * px;
  c.style.width = `${size}px`;
  c.style.height = `${size}px`;
  c.className = 'mark-icon';
  c.dataset['mark'] = mark.key;
  c.setAttribute('aria-hidden', 'true');
  const ctx = c.getContext('2d');
  if (ctx) drawMark(ctx, { ...mark, size: Math.max(mark.size, 7) }, (size * px) / 2, (size * px) / 2, px);
  return c;
}

/** Scheduled windows and invalidated spans are shaded with diagonal hatching (not colour alone). */
export function hatch(ctx: CanvasRenderingContext2D, colour: string, px: number): CanvasPattern | string {
  const size = Math.round(8 * px);
  const c = document.createElement('canvas');
  c.width = size;
  c.height = size;
  const g = c.getContext('2d');
  if (!g) return colour;
  g.strokeStyle = colour;
  g.lineWidth = px;
  g.beginPath();
  g.moveTo(0, size);
  g.lineTo(size, 0);
  g.stroke();
  return ctx.createPattern(c, 'repeat') ?? colour;
}
