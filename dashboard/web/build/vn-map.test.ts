import { describe, expect, it } from 'vitest';
import { clipRing, extractVietnamMap } from './vn-map.js';

describe('extractVietnamMap', () => {
  const map = extractVietnamMap();

  it('keeps Vietnam and its neighbours only, small enough to ship in the page', () => {
    const ids = map.features.filter((f) => f.properties.role !== 'archipelago-area').map((f) => f.properties.id);
    expect(ids[0]).toBe('704');
    expect(ids).toEqual(expect.arrayContaining(['156', '418', '116', '764']));
    expect(ids).not.toContain('840'); // not the world
    expect(JSON.stringify(map).length).toBeLessThan(100_000);
  });

  it('draws the Hoàng Sa and Trường Sa archipelagos as Vietnamese islands, labelled', () => {
    const vietnam = map.features.find((f) => f.properties.id === '704')!;
    const inVietnam = (lon: number, lat: number) => vietnam.geometry.coordinates.some((poly) => poly[0]!.every(([x, y]) => Math.abs(x - lon) < 0.1 && Math.abs(y - lat) < 0.1));
    expect(inVietnam(112.34, 16.83)).toBe(true); // Phú Lâm, Hoàng Sa
    expect(inVietnam(111.92, 8.64)).toBe(true); // Trường Sa Lớn
    const labels = map.labels.map((l) => l.text.vi);
    expect(labels).toContain('Quần đảo Hoàng Sa (Việt Nam)');
    expect(labels).toContain('Quần đảo Trường Sa (Việt Nam)');
    // no other country's polygon lies inside either archipelago
    for (const f of map.features.filter((x) => x.properties.role === 'neighbour')) {
      for (const poly of f.geometry.coordinates) {
        const inside = poly[0]!.every(([x, y]) => (x >= 110.9 && x <= 113 && y >= 15.6 && y <= 17.2) || (x >= 111.5 && x <= 116.2 && y >= 7 && y <= 11.7));
        expect(inside, `${f.properties.name} has a polygon in an archipelago`).toBe(false);
      }
    }
  });

  it('clips rings to the region', () => {
    const clipped = clipRing(
      [
        [0, 0],
        [10, 0],
        [10, 10],
        [0, 10],
      ],
      [5, -1, 20, 5],
    );
    for (const [x, y] of clipped) {
      expect(x).toBeGreaterThanOrEqual(5);
      expect(y).toBeLessThanOrEqual(5);
    }
    expect(clipped).toEqual(
      expect.arrayContaining([
        [5, 0],
        [10, 0],
        [10, 5],
        [5, 5],
      ]),
    );
  });
});
