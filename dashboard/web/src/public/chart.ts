/**
 * A bar chart of an index over fixed slots (hours or days), each bar in its category's colour,
 * an empty slot where there is no value. Plain SVG: a few hundred bytes of code, no library.
 */
import { svg } from './svg';

export interface Bar {
  /** slot key (ISO instant or YYYY-MM-DD) */
  key: string;
  value: number;
  color: string;
  title: string;
}

const W = 320;
const H = 120;
const PAD_L = 26;
const PAD_B = 16;
const PAD_T = 6;

export function barChart(slots: readonly string[], bars: readonly Bar[], tickLabel: (key: string) => string, label: string): SVGSVGElement {
  const byKey = new Map(bars.map((b) => [b.key, b]));
  const top = Math.max(100, ...bars.map((b) => b.value));
  const step = top > 300 ? 100 : 50;
  const yMax = Math.ceil(top / step) * step;
  const plotW = W - PAD_L - 2;
  const plotH = H - PAD_B - PAD_T;
  const slotW = plotW / Math.max(1, slots.length);
  const y = (v: number) => PAD_T + plotH - (v / yMax) * plotH;

  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, class: 'bar-chart' }, svg('title', {}, label));
  for (let v = 0; v <= yMax; v += step) {
    root.appendChild(svg('line', { x1: PAD_L, x2: W - 2, y1: y(v), y2: y(v), class: 'grid' }));
    root.appendChild(svg('text', { x: PAD_L - 3, y: y(v) + 3, 'text-anchor': 'end', class: 'tick' }, String(v)));
  }
  slots.forEach((key, i) => {
    const b = byKey.get(key);
    if (b) {
      const top = y(b.value);
      root.appendChild(
        svg(
          'rect',
          {
            x: PAD_L + i * slotW + slotW * 0.1,
            y: top,
            width: Math.max(0.5, slotW * 0.8),
            height: Math.max(0.5, PAD_T + plotH - top),
            fill: b.color,
            class: 'bar',
            'data-key': key,
          },
          svg('title', {}, b.title),
        ),
      );
    }
  });
  // three time labels: first, middle, last slot
  for (const i of [0, Math.floor((slots.length - 1) / 2), slots.length - 1]) {
    const key = slots[i];
    if (key === undefined) continue;
    root.appendChild(
      svg('text', { x: PAD_L + i * slotW + slotW / 2, y: H - 4, 'text-anchor': i === 0 ? 'start' : i === slots.length - 1 ? 'end' : 'middle', class: 'tick' }, tickLabel(key)),
    );
  }
  return root;
}
