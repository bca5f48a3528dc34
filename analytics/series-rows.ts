/**
 * @module analytics/series-rows
 * One aggregated series written bucket by bucket (`shape=rows`, the default): its `data` array,
 * an object per bucket, `{"ts","end","local"[,"day"],"values":{…},"coverage":{…}}`, byte for byte
 * what the response schema's serializer writes for it.
 */
import { COUNT, COUNTS, type AggregateColumns } from '../store/aggregates.js';
import { utf8, type JsonBytes } from './json-bytes.js';

// The fixed parts of a bucket's JSON, and the most a bucket adds to its head and its values.
const CLOSE_SERIES = utf8(']}');
const CLOSE_BUCKET = utf8('}}');
const EXPECTED = utf8('},"coverage":{"expected":');
const RECEIVED = utf8(',"received":');
const VALID = utf8(',"valid":');
const FLAGGED = utf8(',"flagged":');
const INVALIDATED = utf8(',"invalidated":');
const CALIBRATING = utf8(',"calibrating":');
const FAULT = utf8(',"fault":');
const MAINTENANCE = utf8(',"maintenance":');
const PERCENT = utf8(',"percent":');
// the usual bucket: nothing flagged nor invalidated, no fault nor maintenance
const NONE_FLAGGED = utf8(',"flagged":0,"invalidated":0,"calibrating":');
const NONE_DOWN = utf8(',"fault":0,"maintenance":0,"percent":');
const EMPTY_COUNTS = utf8(',"received":0,"valid":0,"flagged":0,"invalidated":0,"calibrating":0,"fault":0,"maintenance":0,"percent":');
const BUCKET_BYTES = 1 + EXPECTED.length + EMPTY_COUNTS.length + 9 * 22 + CLOSE_BUCKET.length + CLOSE_SERIES.length;

/** A bucket's head (`{"ts":…,"end":…,"local":…[,"day":…],"values":{`), a comma before all but the first: written once per zone, copied into every series. */
export function rowHead(i: number, ts: string, end: string, local: string, day: string | undefined): Buffer {
  return utf8(`${i > 0 ? ',' : ''}{"ts":"${ts}","end":"${end}","local":"${local}"${day !== undefined ? `,"day":"${day}"` : ''},"values":{`);
}

export interface SeriesRows {
  /** per bucket: the row of `cols` holding it, -1 for none; undefined when the series has no row at all */
  rows: Int32Array | undefined;
  cols: AggregateColumns;
  /** per aggregate, its key (`"avg":`, a comma before all but the first) */
  aggKeys: readonly Buffer[];
  /** `values` of a bucket without readings (`"avg":null,"count":0`) */
  emptyValues: Buffer;
  /** per bucket, its head (rowHead) */
  heads: readonly Buffer[];
  /** per bucket: the readings the profile's interval promises over its elapsed part */
  expected: Float64Array;
}

/** Writes the buckets of one series and closes it (`…]}`). */
export function writeSeriesRows(out: JsonBytes, s: SeriesRows): void {
  const { rows, heads, aggKeys, emptyValues } = s;
  const { values, counts, aggCount } = s.cols;
  const aggBytes = aggKeys.reduce((n, k) => n + k.length + 25, 0);
  for (let i = 0; i < s.expected.length; i++) {
    const r = rows ? rows[i]! : -1;
    const expected = s.expected[i]!;
    out.reserve(heads[i]!.length + BUCKET_BYTES + aggBytes);
    out.bytes(heads[i]!);
    if (r < 0) {
      out.bytes(emptyValues);
      out.bytes(EXPECTED);
      out.int(expected);
      out.bytes(EMPTY_COUNTS);
      out.percent(0, expected);
      out.bytes(CLOSE_BUCKET);
      continue;
    }
    for (let a = 0, v = r * aggCount; a < aggCount; a++, v++) {
      out.bytes(aggKeys[a]!);
      out.number(values[v]!);
    }
    const c = r * COUNTS;
    const counted = counts[c + COUNT.counted]!;
    const maintenance = counts[c + COUNT.maintenance]!;
    out.bytes(EXPECTED);
    out.int(expected);
    out.bytes(RECEIVED);
    out.int(counted);
    out.bytes(VALID);
    out.int(counts[c + COUNT.valid]!);
    const flagged = counts[c + COUNT.flagged]!;
    const invalidated = counts[c + COUNT.invalidated]!;
    if (flagged === 0 && invalidated === 0) out.bytes(NONE_FLAGGED);
    else {
      out.bytes(FLAGGED);
      out.int(flagged);
      out.bytes(INVALIDATED);
      out.int(invalidated);
      out.bytes(CALIBRATING);
    }
    out.int(counts[c + COUNT.calibrating]!);
    const fault = counts[c + COUNT.fault]!;
    if (fault === 0 && maintenance === 0) out.bytes(NONE_DOWN);
    else {
      out.bytes(FAULT);
      out.int(fault);
      out.bytes(MAINTENANCE);
      if (maintenance < 0) out.number(null);
      else out.int(maintenance);
      out.bytes(PERCENT);
    }
    out.percent(counted, expected);
    out.bytes(CLOSE_BUCKET);
  }
  out.reserve(CLOSE_SERIES.length);
  out.bytes(CLOSE_SERIES);
}
