/**
 * @module analytics/series-columns
 * One aggregated series written column by column (`shape=columns`): the same figures as the row
 * shape's buckets, as one array per field, in the nesting of a bucket:
 *
 *   "columns":{"ts":[…],"values":{"avg":[…],…},"coverage":{"expected":[…],…,"percent":[…]}}
 *
 * (`day` after `ts` for bucket=aqiday). A bucket's end is the next bucket's `ts` (the last one's, the
 * answer's `to`); its local time is `ts` in the series' `timezone`. About a third of the row
 * shape's bytes (no key, `end` nor `local` per bucket), and what data frames read as they are
 * (pandas: `pd.DataFrame({"ts": c["ts"], **c["values"], **c["coverage"]})`).
 */
import { COUNT, COUNTS, type AggregateColumns } from '../store/aggregates.js';
import { utf8, type JsonBytes } from './json-bytes.js';

const OPEN = utf8('"columns":{');
const VALUES = utf8(',"values":{');
const COVERAGE = utf8('},"coverage":{');
const CLOSE_COLUMN = utf8(']');
const CLOSE = utf8('}}');
const NULL = utf8('null');
const COMMA = Uint8Array.of(44);
/** The most one element adds: a number as JSON.stringify writes it (25 bytes) and its comma. */
const ELEMENT_BYTES = 26;

/** The coverage columns in the row shape's order, each with the count it is read from (percent is written from received and expected). */
const COVERAGE_COLUMNS = [
  ['expected', -1],
  ['received', COUNT.counted],
  ['valid', COUNT.valid],
  ['flagged', COUNT.flagged],
  ['invalidated', COUNT.invalidated],
  ['calibrating', COUNT.calibrating],
  ['fault', COUNT.fault],
  ['maintenance', COUNT.maintenance],
  ['percent', -1],
] as const;
const COVERAGE_KEYS = COVERAGE_COLUMNS.map(([name], i) => utf8(`${i === 0 ? '' : ','}"${name}":[`));

/** A column of strings (`"ts":[…]`), written once per zone and copied into every series. */
export function stringColumn(name: string, items: readonly string[], leadingComma: boolean): Buffer {
  return utf8(`${leadingComma ? ',' : ''}${JSON.stringify(name)}:${JSON.stringify(items)}`);
}

export interface SeriesColumns {
  /** per bucket: the row of `cols` holding it, -1 for none; undefined when the series has no row at all */
  rows: Int32Array | undefined;
  cols: AggregateColumns;
  /** per aggregate, its key opening its column (`"avg":[`, a comma before all but the first) */
  aggKeys: readonly Buffer[];
  /** per aggregate: it is `count` (an empty bucket's count is 0, any other aggregate's null) */
  isCount: readonly boolean[];
  /** per bucket: the readings the profile's interval promises over its elapsed part */
  expected: Float64Array;
  /** `"ts":[…]`, then `,"day":[…]` for aqiday: the zone's bucket columns */
  timeColumns: readonly Buffer[];
}

/** Writes `"columns":{…}` for one series (no comma before it, nothing after it). */
export function writeSeriesColumns(out: JsonBytes, s: SeriesColumns): void {
  const n = s.expected.length;
  const { rows, cols } = s;
  const room = n * ELEMENT_BYTES + 64;
  out.reserve(OPEN.length + s.timeColumns.reduce((b, h) => b + h.length, 0) + VALUES.length);
  out.bytes(OPEN);
  for (const h of s.timeColumns) out.bytes(h);
  out.bytes(VALUES);
  const { values, aggCount, counts } = cols;
  for (let a = 0; a < aggCount; a++) {
    out.reserve(room);
    out.bytes(s.aggKeys[a]!);
    for (let i = 0; i < n; i++) {
      if (i > 0) out.bytes(COMMA);
      const r = rows ? rows[i]! : -1;
      if (r >= 0) out.number(values[r * aggCount + a]!);
      else if (s.isCount[a]) out.int(0);
      else out.bytes(NULL);
    }
    out.bytes(CLOSE_COLUMN);
  }
  out.reserve(COVERAGE.length);
  out.bytes(COVERAGE);
  for (let k = 0; k < COVERAGE_COLUMNS.length; k++) {
    const [name, count] = COVERAGE_COLUMNS[k]!;
    out.reserve(room);
    out.bytes(COVERAGE_KEYS[k]!);
    for (let i = 0; i < n; i++) {
      if (i > 0) out.bytes(COMMA);
      const r = rows ? rows[i]! : -1;
      if (name === 'expected') out.int(s.expected[i]!);
      else if (name === 'percent') out.percent(r >= 0 ? counts[r * COUNTS + COUNT.counted]! : 0, s.expected[i]!);
      else if (r < 0) out.int(0);
      else {
        const c = counts[r * COUNTS + count]!;
        // NULL maintenance is kept as -1 (store/aggregates.ts)
        if (name === 'maintenance' && c < 0) out.bytes(NULL);
        else out.int(c);
      }
    }
    out.bytes(CLOSE_COLUMN);
  }
  out.reserve(CLOSE.length);
  out.bytes(CLOSE);
}
