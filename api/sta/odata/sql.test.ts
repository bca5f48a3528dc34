/** Observations `$filter`/`$orderby` → parameterised SQL: columns from a fixed map, literals bound, type errors as 400. */
import { describe, expect, it } from 'vitest';
import { QuantracError } from '../../../lib/errors.js';
import { parseFilter } from './parser.js';
import { compileObservationFilter, compileObservationOrder, type Series } from './sql.js';

function compile(filter: string, series: (e: unknown) => Series[] = () => []) {
  const params: unknown[] = [];
  const sql = compileObservationFilter(parseFilter(filter), params, series);
  return { sql, params };
}

function refuses(filter: string, message: RegExp) {
  let err: unknown;
  try {
    compile(filter);
  } catch (e) {
    err = e;
  }
  expect(err, filter).toBeInstanceOf(QuantracError);
  expect((err as QuantracError).code).toBe('QT_ERR_QUERY_INVALID');
  expect((err as QuantracError).message).toMatch(message);
}

describe('Observations filter → SQL', () => {
  it('binds every literal and keeps ts comparisons bare (chunk exclusion)', () => {
    const { sql, params } = compile("phenomenonTime ge 2026-03-20T00:00:00Z and (result gt 5 or resultQuality eq 'fault')");
    expect(sql).toMatch(/^\(\(ts >= \$1::timestamptz\) AND \(COALESCE\(value > \$2::float8, FALSE\) OR \(\(CASE quality .* END\) = \$3::text\)\)\)$/);
    expect(params).toEqual([new Date('2026-03-20T00:00:00Z'), 5, 'fault']);
  });

  it('never puts a string literal into the SQL text', () => {
    const evil = "'); DROP TABLE readings; --";
    const { sql, params } = compile(`resultQuality eq '${evil.replaceAll("'", "''")}' or startswith(resultQuality, 'a')`);
    expect(sql).not.toContain('DROP');
    expect(params).toContain(evil);
  });

  it('compiles null, not, arithmetic and date functions', () => {
    expect(compile('result eq null').sql).toBe('(value IS NULL)');
    expect(compile('not (result ne null)').sql).toBe('(NOT (value IS NOT NULL))');
    expect(compile('result mul 2 add 1 gt 3').sql).toBe('COALESCE(((value * $1::float8) + $2::float8) > $3::float8, FALSE)');
    expect(compile('hour(phenomenonTime) eq 1').sql).toContain("EXTRACT(HOUR FROM (ts AT TIME ZONE 'UTC'))");
    expect(compile('phenomenonTime lt now()').sql).toBe('(ts < now())');
  });

  it('turns Datastream / FeatureOfInterest conditions into a series IN-list', () => {
    const seen: string[] = [];
    const { sql, params } = compile("(Datastream/@iot.id eq 'A:pm25' or FeatureOfInterest/name eq 'x') and result gt 1", (e) => {
      seen.push(JSON.stringify(e).slice(0, 12));
      return [{ stationId: 'A', metric: 'pm25' }];
    });
    expect(seen).toHaveLength(1);
    expect(sql).toBe('((station_id, metric) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND COALESCE(value > $3::float8, FALSE))');
    expect(params).toEqual([['A'], ['pm25'], 1]);
    expect(compile("Datastream/name eq 'none'").sql).toBe('FALSE');
  });

  it('matches an Observation id, and refuses what cannot be compiled', () => {
    const { sql, params } = compile("@iot.id eq 'AN-A:pm25:2026-03-20T01:00:00.000000Z'");
    expect(sql).toBe('(station_id = $1::text AND metric = $2::text AND ts = $3::timestamptz)');
    expect(params).toEqual(['AN-A', 'pm25', '2026-03-20T01:00:00.000000Z']);
    refuses("phenomenonTime ge 'soon'", /^\$filter: phenomenonTime compares with an ISO 8601 date-time with an offset, not 'soon'/);
    refuses("result gt 'five'", /result compares with a number/);
    refuses('result', /not a condition/);
    refuses("@iot.id gt 'x'", /eq or ne/);
    refuses("geo.intersects(result, geography'POINT(1 2)')", /FeatureOfInterest\/feature/);
    refuses('Datastream/name eq resultQuality', /cannot be combined/);
  });

  it('orders by whitelisted columns with a stable tie-break', () => {
    expect(compileObservationOrder([{ path: ['result'], desc: true }])).toBe('value DESC NULLS LAST, ts, station_id, metric');
    expect(compileObservationOrder([])).toBe('ts, station_id, metric');
    expect(() => compileObservationOrder([{ path: ['Datastream', 'name'], desc: false }])).toThrow(/^\$orderby/);
  });
});
