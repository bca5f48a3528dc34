/** Well-Known Text literals and the planar geometry behind the spatial functions. */
import { describe, expect, it } from 'vitest';
import { distance, intersects, length, within } from './geometry.js';
import { parseWkt } from './wkt.js';

const square = parseWkt('POLYGON ((105 20, 106 20, 106 21, 105 21, 105 20))');
const pt = (x: number, y: number) => parseWkt(`POINT(${x} ${y})`);

describe('WKT and geometry', () => {
  it('reads points, linestrings, polygons with holes and multipolygons', () => {
    expect(pt(105.8, 21)).toEqual({ type: 'Point', coordinates: [105.8, 21] });
    expect(parseWkt('LINESTRING(0 0, 3 4)')).toEqual({
      type: 'LineString',
      coordinates: [
        [0, 0],
        [3, 4],
      ],
    });
    expect(parseWkt('POINT Z (1 2 3)')).toEqual({ type: 'Point', coordinates: [1, 2] });
    expect(parseWkt('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))').type).toBe('MultiPolygon');
  });

  it('tests points against polygons by ray casting, boundary inside, holes outside', () => {
    expect(intersects(pt(105.5, 20.5), square)).toBe(true);
    expect(intersects(pt(106, 20.5), square)).toBe(true);
    expect(intersects(pt(106.01, 20.5), square)).toBe(false);
    const holed = parseWkt('POLYGON((0 0,10 0,10 10,0 10,0 0),(4 4,6 4,6 6,4 6,4 4))');
    expect(intersects(pt(5, 5), holed)).toBe(false);
    expect(intersects(pt(2, 2), holed)).toBe(true);
    const concave = parseWkt('POLYGON((0 0,10 0,10 10,5 2,0 10,0 0))');
    expect(within(pt(5, 5), concave)).toBe(false);
    expect(within(pt(1, 1), concave)).toBe(true);
    const multi = parseWkt('MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))');
    expect(intersects(pt(5.9, 5.5), multi)).toBe(true);
    expect(intersects(pt(3, 3), multi)).toBe(false);
  });

  it('intersects polygons and lines, measures distance and length in degrees', () => {
    expect(intersects(square, parseWkt('POLYGON((105.5 20.5,107 20.5,107 22,105.5 20.5))'))).toBe(true);
    expect(intersects(square, parseWkt('LINESTRING(104 20.5, 107 20.5)'))).toBe(true);
    expect(intersects(square, parseWkt('POLYGON((110 20,111 20,111 21,110 20))'))).toBe(false);
    expect(within(parseWkt('POLYGON((105.2 20.2,105.4 20.2,105.4 20.4,105.2 20.2))'), square)).toBe(true);
    expect(distance(pt(0, 0), pt(3, 4))).toBe(5);
    expect(distance(pt(107, 20.5), square)).toBe(1);
    expect(length(parseWkt('LINESTRING(0 0, 3 4, 3 5)'))).toBe(6);
  });
});
