/** The `$filter` grammar: precedence, parentheses, not, strings, functions, arithmetic, dates, geo literals, errors. */
import { describe, expect, it } from 'vitest';
import { QuantracError } from '../../../lib/errors.js';
import type { Expr } from './ast.js';
import { parseFilter } from './parser.js';

/** A compact rendering of the tree: `(or (eq name 'A') (eq name 'B'))`. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return e.value instanceof Date ? e.value.toISOString() : typeof e.value === 'string' ? `'${e.value}'` : String(e.value);
    case 'geometry':
      return e.value.type;
    case 'property':
      return e.path.join('/');
    case 'binary':
      return `(${e.op} ${show(e.left)} ${show(e.right)})`;
    case 'not':
      return `(not ${show(e.operand)})`;
    case 'negate':
      return `(- ${show(e.operand)})`;
    case 'call':
      return `${e.name}(${e.args.map(show).join(', ')})`;
  }
}
const p = (s: string) => show(parseFilter(s));

function fails(s: string, message: RegExp): void {
  let err: unknown;
  try {
    parseFilter(s);
  } catch (e) {
    err = e;
  }
  expect(err, s).toBeInstanceOf(QuantracError);
  expect((err as QuantracError).code).toBe('QT_ERR_QUERY_INVALID');
  expect((err as QuantracError).message).toMatch(/^\$filter: /);
  expect((err as QuantracError).message).toMatch(message);
}

describe('$filter grammar', () => {
  it('gives and precedence over or, and parentheses override it', () => {
    expect(p("name eq 'A' or name eq 'B'")).toBe("(or (eq name 'A') (eq name 'B'))");
    expect(p('a eq 1 or b eq 2 and c eq 3')).toBe('(or (eq a 1) (and (eq b 2) (eq c 3)))');
    expect(p('(a eq 1 or b eq 2) and c eq 3')).toBe('(and (or (eq a 1) (eq b 2)) (eq c 3))');
    expect(p('((a eq 1))')).toBe('(eq a 1)');
    expect(p('a eq 1 AND b eq 2')).toBe('(and (eq a 1) (eq b 2))');
  });

  it('binds not tighter than and, looser than comparison', () => {
    expect(p('not a eq 1 and b eq 2')).toBe('(and (not (eq a 1)) (eq b 2))');
    expect(p('not (a eq 1 or b eq 2)')).toBe('(not (or (eq a 1) (eq b 2)))');
    expect(p("not not startswith(name,'A')")).toBe("(not (not startswith(name, 'A')))");
  });

  it('keeps and inside quoted strings, with escaped quotes', () => {
    expect(p("name eq 'Ba Ria and Vung Tau'")).toBe("(eq name 'Ba Ria and Vung Tau')");
    expect(p("name eq 'O''Brien or not'")).toBe("(eq name 'O'Brien or not')");
    expect(p("name eq ''")).toBe("(eq name '')");
  });

  it('reads arithmetic with mul before add, unary minus, numbers', () => {
    expect(p('result add 2 mul 3 gt 10')).toBe('(gt (add result (mul 2 3)) 10)');
    expect(p('(result add 2) mul 3 gt -1.5e2')).toBe('(gt (mul (add result 2) 3) -150)');
    expect(p('result mod 2 eq 0 and result div 2 sub 1 le 4')).toBe('(and (eq (mod result 2) 0) (le (sub (div result 2) 1) 4))');
    expect(p('-result lt 0')).toBe('(lt (- result) 0)');
    expect(p('- (result) lt 0')).toBe('(lt (- result) 0)');
  });

  it('reads functions, property paths and id', () => {
    expect(p("substringof('PM', name) and endswith(name,'x') or contains(description,'y')")).toBe(
      "(or (and substringof('PM', name) endswith(name, 'x')) contains(description, 'y'))",
    );
    expect(p("length(name) gt 3 and tolower(properties/province) eq 'hà nội'")).toBe("(and (gt length(name) 3) (eq tolower(properties/province) 'hà nội'))");
    expect(p("id eq 'AN-A' or Datastream/id eq 'x'")).toBe("(or (eq @iot.id 'AN-A') (eq Datastream/@iot.id 'x'))");
    expect(p("substring(name, 1, 2) eq 'N' and indexof(name,'A') ge 0 and concat(name, 'x') ne trim(toupper(name))")).toMatch(/^\(and/);
    expect(p('round(result) eq floor(result) or ceiling(result) eq 1')).toBe('(or (eq round(result) floor(result)) (eq ceiling(result) 1))');
    expect(p('result eq null or flag eq true')).toBe('(or (eq result null) (eq flag true))');
  });

  it('reads date-times with an offset or Z, dates and date functions', () => {
    expect(p('phenomenonTime ge 2026-03-20T01:00:00+07:00')).toBe('(ge phenomenonTime 2026-03-19T18:00:00.000Z)');
    expect(p('phenomenonTime lt 2026-03-20T01:00:00.123Z')).toBe('(lt phenomenonTime 2026-03-20T01:00:00.123Z)');
    // a `+` the query string decoded to a space
    expect(p('phenomenonTime ge 2026-03-20T01:00:00 07:00')).toBe('(ge phenomenonTime 2026-03-19T18:00:00.000Z)');
    expect(p('year(phenomenonTime) eq 2026 and month(phenomenonTime) eq 3 and date(phenomenonTime) eq 2026-03-20')).toBe(
      "(and (and (eq year(phenomenonTime) 2026) (eq month(phenomenonTime) 3)) (eq date(phenomenonTime) '2026-03-20'))",
    );
    expect(p('phenomenonTime lt now() and phenomenonTime gt mindatetime()')).toBe('(and (lt phenomenonTime now()) (gt phenomenonTime mindatetime()))');
  });

  it('reads geography and geometry literals (QGIS extent, points, multipolygons)', () => {
    expect(p("geo.intersects(location, geography'POLYGON ((105 20, 106 20, 106 21, 105 21, 105 20))')")).toBe('geo.intersects(location, Polygon)');
    expect(p("st_within(location, geometry'SRID=4326;POLYGON((105 20,106 20,106 21,105 20))')")).toBe('st_within(location, Polygon)');
    expect(p("geo.distance(location, geography'POINT(105.8 21.0)') lt 0.5")).toBe('(lt geo.distance(location, Point) 0.5)');
    expect(p("geo.intersects(location, geography'MULTIPOLYGON(((1 1,2 1,2 2,1 1)),((5 5,6 5,6 6,5 5)))')")).toBe('geo.intersects(location, MultiPolygon)');
    expect(p("location/type eq 'Point' or location/geometry/type eq 'Point'")).toBe("(or (eq location/type 'Point') (eq location/geometry/type 'Point'))");
    expect(p("st_geometryType(location) eq 'Point'")).toBe("(eq st_geometrytype(location) 'Point')");
  });

  it('refuses what it cannot read, as a 400 naming $filter', () => {
    fails('', /empty/);
    fails(`${'('.repeat(5000)}a eq 1${')'.repeat(5000)}`, /nests deeper than 64/);
    fails(`${'not '.repeat(5000)}a eq 1`, /nests deeper than 64/);
    fails(`${'-'.repeat(5000)}1 eq 1`, /nests deeper than 64/);
    fails("name eq 'open", /unterminated string/);
    fails('name eq', /expected an operand, found the end/);
    fails('(name eq 1', /expected "\)"/);
    fails('name eq 1)', /unexpected "\)"/);
    fails('name eq 1 eq 2', /do not chain/);
    fails('name eq 1 and', /expected an operand/);
    fails('name # 1', /unexpected "#"/);
    fails('frobnicate(name) eq 1', /unknown function frobnicate/);
    fails('startswith(name) eq 1', /startswith takes 2 argument/);
    fails("st_touches(location, geography'POINT(1 2)')", /not served/);
    fails("geo.intersects(location, geography'POLYGON((1 2, 3 4))')", /ring is closed/);
    fails("geo.intersects(location, geography'CIRCLE(1 2)')", /CIRCLE literals are not served/);
    fails("geo.intersects(location, geography'SRID=3857;POINT(1 2)')", /SRID 3857/);
    fails("geo.intersects(location, geography'POINT(1 x)')", /not well-formed/);
    fails("phenomenonTime gt duration'P1D'", /duration'…' literals are not served/);
    fails('phenomenonTime gt 2026-02-30T10:00:00Z', /not a valid date-time|unexpected/);
  });
});
