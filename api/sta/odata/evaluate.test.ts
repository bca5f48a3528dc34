/** In-memory evaluation of `$filter` over entity JSON: logic, nulls, strings, dates, arithmetic, spatial. */
import { describe, expect, it } from 'vitest';
import { test as holds } from './evaluate.js';
import { parseFilter } from './parser.js';

const thing = {
  '@iot.id': 'AN-A',
  name: 'Ba Ria and Vung Tau',
  description: "O'Brien station",
  properties: { province: 'Hà Nội', enabled: true, level: 7 },
  location: { type: 'Point', coordinates: [105.8, 21.03] },
  time: '2026-03-20T01:02:03.500Z',
};
const at = (path: readonly string[]): unknown => path.reduce<unknown>((v, p) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined), thing);
const ok = (f: string) => holds(parseFilter(f), at);

describe('$filter in memory', () => {
  it('evaluates or, and, not and parentheses', () => {
    expect(ok("name eq 'X' or name eq 'Ba Ria and Vung Tau'")).toBe(true);
    expect(ok("name eq 'X' or (id eq 'AN-A' and not properties/enabled eq false)")).toBe(true);
    expect(ok("not (id eq 'AN-A')")).toBe(false);
    expect(ok("description eq 'O''Brien station'")).toBe(true);
  });

  it('treats missing values as null', () => {
    expect(ok('properties/missing eq null')).toBe(true);
    expect(ok('properties/missing gt 1')).toBe(false);
    expect(ok('properties/missing ne 1')).toBe(true);
    expect(ok('name eq 1')).toBe(false);
  });

  it('applies string, math and date functions', () => {
    expect(ok("substringof('Vung', name) and startswith(name,'Ba') and endswith(name,'Tau') and contains(name,'Ria')")).toBe(true);
    expect(ok("length(name) eq 19 and tolower(name) eq 'ba ria and vung tau' and toupper(id) eq 'AN-A'")).toBe(true);
    expect(ok("indexof(name,'Ria') eq 3 and substring(name, 3, 3) eq 'Ria' and substring(name, 16) eq 'Tau' and concat(id, '!') eq 'AN-A!' and trim(' x ') eq 'x'")).toBe(true);
    expect(ok('properties/level add 3 eq 10 and properties/level mul 2 sub 4 eq 10 and properties/level mod 4 eq 3 and properties/level div 2 eq 3.5')).toBe(true);
    expect(ok('round(3.5) eq 4 and floor(3.5) eq 3 and ceiling(3.2) eq 4 and -properties/level eq -7')).toBe(true);
    expect(
      ok('year(time) eq 2026 and month(time) eq 3 and day(time) eq 20 and hour(time) eq 1 and minute(time) eq 2 and second(time) eq 3 and fractionalseconds(time) eq 0.5'),
    ).toBe(true);
    expect(ok('date(time) eq 2026-03-20 and time gt 2026-03-20T08:00:00+07:00 and time lt now()')).toBe(true);
  });

  it('applies spatial functions to GeoJSON locations', () => {
    expect(ok("geo.intersects(location, geography'POLYGON ((105 20, 106 20, 106 22, 105 22, 105 20))')")).toBe(true);
    expect(ok("geo.intersects(location, geometry'POLYGON((106 20, 107 20, 107 22, 106 20))')")).toBe(false);
    expect(ok("st_within(location, geography'POLYGON((105 20, 106 20, 106 22, 105 22, 105 20))')")).toBe(true);
    expect(ok("st_contains(geography'POLYGON((105 20, 106 20, 106 22, 105 22, 105 20))', location)")).toBe(true);
    expect(ok("st_disjoint(location, geography'POINT(0 0)') and st_equals(location, geography'POINT(105.8 21.03)')")).toBe(true);
    expect(ok("geo.distance(location, geography'POINT(105.8 22.03)') eq 1")).toBe(true);
    expect(ok("location/type eq 'Point' or location/geometry/type eq 'Point'")).toBe(true);
    expect(ok("st_geometryType(location) eq 'Point'")).toBe(true);
    expect(ok("geo.intersects(name, geography'POINT(0 0)')")).toBe(false);
  });
});
