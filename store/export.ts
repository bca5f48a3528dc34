/**
 * @module store/export
 * The raw-readings export (GET /api/v1/export) built by the database: one keyset page per query,
 * returned as ONE text value holding the page's CSV or NDJSON lines, plus the page's last key for
 * the next page. On the embedded database moving rows over the wire costs far more than the SQL
 * (issue 20): one value per page lets the server write the export at disk speed.
 *
 * The text is byte for byte what the JavaScript export wrote before (csv-stringify, or
 * JSON.stringify per reading): numbers as JavaScript prints them (PostgreSQL's float8 text is the
 * same shortest round-trip digits, only its exponent form differs and is rewritten), timestamps as
 * Date.toISOString() (milliseconds, truncated like pg's Date parser), the quality name, the checks
 * that flagged the reading, its validation state and reason (domain/validation/codes.ts, the CASE
 * expressions are generated from the same lists), the unit of its (station, metric) and the
 * validation level of its day (spans computed by the caller, looked up once a timestamp).
 *
 * Pages are ordered (station, ts, metric): each reads one station in a window of ts bounded on
 * both sides (exportPages), an index range scan of readings_station_ts (migration 003) or the
 * compressed batches overlapping the window, a sort on (ts, metric) of the window's rows and a
 * LIMIT: never a sort of everything after the cursor. What is the same for the readings of one
 * timestamp (its text, the station, the level) is written once a timestamp (exportPageSql).
 *
 * Station ids (domain/topics.ts STATION_ID_PATTERN) and profile metric keys never need CSV
 * quoting or JSON escaping; a metric outside that alphabet is quoted/escaped by a guarded branch.
 */
import { QUALITY_NAMES } from '../domain/quality.js';
import { CHECK_BITS, CHECK_CODES, INVALIDATION_REASONS, validatedSql } from '../domain/validation/codes.js';
import { createError } from '../lib/errors.js';
import type { Db } from './db.js';

export type ExportFormat = 'csv' | 'ndjson';

/** The position after a row: ordering is (station, ts, metric); `ts` keeps PostgreSQL's microseconds. */
export interface ExportKey {
  stationId: string;
  /** ISO 8601 UTC with microseconds */
  ts: string;
  metric: string;
}

export interface ExportQuery {
  stationIds: readonly string[];
  /** null = every metric */
  metrics: readonly string[] | null;
  from: Date;
  to: Date;
  /** only validated readings */
  validOnly: boolean;
  format: ExportFormat;
  /** the unit of each (station, metric); '' for a pair not listed */
  units: ReadonlyArray<{ stationId: string; metric: string; unit: string }>;
  /** [from, to) epoch-ms spans at a validation level above 0, disjoint per station; elsewhere 0 */
  levels: ReadonlyArray<{ stationId: string; from: number; to: number; level: number }>;
}

export interface ExportPage {
  /** the page's lines, each ending with \n ('' for an empty page) */
  text: string;
  rows: number;
  /** the last row's key (undefined for an empty page) */
  last: ExportKey | undefined;
}

/** A CSV field as csv-stringify writes it: quoted when it holds a comma, a quote or a line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A timestamp's text as Date.toISOString() gives it for the Date pg parses (microseconds truncated to ms). */
const tsTextSql = (ts: string) => `to_char(${ts} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A finite float8's text (`vt` = value::text) as JavaScript's Number#toString writes it. Both are
 * the shortest round-trip digits; PostgreSQL switches to exponent form below 1e-4 and from 1e15
 * with a zero-padded exponent (1e-07, 1e+15), JavaScript below 1e-6 and from 1e21 without padding
 * (1e-7, 1e+21); -0 prints as 0.
 */
const JS_NUMBER = `CASE WHEN strpos(p.vt, 'e') = 0 THEN (CASE WHEN p.vt = '-0' THEN '0' ELSE p.vt END)
  WHEN split_part(p.vt, 'e', 2)::int BETWEEN -6 AND 20 THEN p.vt::numeric::text
  ELSE regexp_replace(p.vt, 'e([+-])0*', 'e\\1') END`;

/** The quality name (domain/quality.ts qualityName: an unknown code reads as fault). */
const QUALITY_NAME = `CASE p.quality ${QUALITY_NAMES.map((n, i) => `WHEN ${i} THEN '${n}'`).join(' ')} ELSE 'fault' END`;

/** The checks' names, `sep`-joined, each wrapped in `quote` (domain/validation/codes.ts checksOf). */
function checksSql(sep: string, quote: string): string {
  return `concat_ws('${sep}', ${CHECK_CODES.map((c) => `CASE WHEN p.qc & ${CHECK_BITS[c]} <> 0 THEN '${quote}${c}${quote}' END`).join(', ')})`;
}

/** validationStateOf of codes.ts. */
const VALIDATION_STATE = `CASE WHEN p.review >= 10 THEN 'invalidated' WHEN p.quality <> 0 THEN 'station_flag' WHEN p.review = 1 THEN 'restored' WHEN p.qc <> 0 THEN 'flagged' ELSE 'valid' END`;

/** reasonOfReview of codes.ts (review >= 10 only). */
const REASON = `CASE p.review ${INVALIDATION_REASONS.map((r, i) => `WHEN ${10 + i} THEN '${r}'`).join(' ')} ELSE 'other' END`;

/** Profile metric keys (device-profiles/profile.schema.json) and station ids: nothing to quote or escape. */
const PLAIN_METRIC = /^[A-Za-z0-9_-]+$/;

/** A metric outside the profiles' alphabet, quoted (CSV) or escaped (JSON) as the old export did. */
const ODD_METRIC = {
  csv: `CASE WHEN p.metric ~ '[",\\r\\n]' THEN '"' || replace(p.metric, '"', '""') || '"' ELSE p.metric END`,
  ndjson: `to_json(p.metric)::text`,
};

/**
 * The middle's start: metric, value and unit, and the comma after them (CSV `pm25,12.5,µg/m³,`,
 * NDJSON `"pm25","value":12.5,"unit":"µg/m³",`) of a reading of `station`. One CASE on the metric
 * gives, for each metric the station's units list, the text before the value and the text after it
 * as two literals (profile metric keys need no quoting; units come from the profiles and are
 * encoded here): two concatenations a reading. A metric the station's units do not list has no
 * unit ('') and goes through ODD_METRIC.
 */
function metricValueUnitSql(q: ExportQuery, station: string): string {
  const csv = q.format === 'csv';
  const value = csv
    ? `CASE WHEN p.vt IS NULL THEN '' ELSE ${JS_NUMBER} END`
    : `CASE WHEN p.vt IS NULL OR p.vt IN ('NaN', 'Infinity', '-Infinity') THEN 'null' ELSE ${JS_NUMBER} END`;
  const before = (metric: string) => (csv ? `${metric},` : `${JSON.stringify(metric)},"value":`);
  const after = (unit: string) => (csv ? `,${csvField(unit)},` : `,"unit":${JSON.stringify(unit)},`);
  const odd = `${ODD_METRIC[q.format]} || ${lit(csv ? ',' : ',"value":')} || ${value} || ${lit(after(''))}`;
  const units = new Map<string, string>();
  for (const u of q.units) if (u.stationId === station && PLAIN_METRIC.test(u.metric)) units.set(u.metric, u.unit);
  if (units.size === 0) return odd;
  const entries = [...units].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `CASE p.metric ${entries.map(([m, u]) => `WHEN ${lit(m)} THEN ${lit(before(m))} || ${value} || ${lit(after(u))}`).join(' ')} ELSE ${odd} END`;
}

/**
 * A reading's line in three parts: `head` and `tail` are the same for every reading of one
 * timestamp (its ts and station before the middle, its day's validation level after it), `middle`
 * is the reading's own (metric, value, unit, quality, checks, validation state, reason). CSV:
 * `ts,station,` + `metric,value,unit,quality,qc,validation,reason,` + `level\n`; NDJSON
 * `{"ts":…,"station":…,"metric":` + `"pm25","value":…,"reason":null` + `,"validationLevel":0}\n`.
 * `ts` and `level` are SQL of the timestamp's group (g), the middle of a reading's row (p).
 */
function lineParts(q: ExportQuery, station: string, ts: string, level: string): { head: string; middle: string; tail: string } {
  const mvu = metricValueUnitSql(q, station);
  const tsText = tsTextSql(ts);
  if (q.format === 'csv') {
    const validation = `CASE WHEN p.quality = 0 AND p.qc = 0 AND p.review = 0 THEN 'valid,,valid,,'
      ELSE ${QUALITY_NAME} || ',' || ${checksSql(';', '')} || ',' || ${VALIDATION_STATE} || ',' || CASE WHEN p.review >= 10 THEN ${REASON} ELSE '' END || ',' END`;
    return { head: `${tsText} || ${lit(`,${station},`)}`, middle: `${mvu} || ${validation}`, tail: `${level} || E'\\n'` };
  }
  const validation = `CASE WHEN p.quality = 0 AND p.qc = 0 AND p.review = 0 THEN '"quality":"valid","qc":[],"validation":"valid","reason":null'
    ELSE '"quality":"' || ${QUALITY_NAME} || '","qc":[' || ${checksSql(',', '"')} || '],"validation":"' || ${VALIDATION_STATE} || '","reason":' || CASE WHEN p.review >= 10 THEN '"' || ${REASON} || '"' ELSE 'null' END END`;
  return {
    head: `'{"ts":"' || ${tsText} || ${lit(`","station":${JSON.stringify(station)},"metric":`)}`,
    middle: `${mvu} || ${validation}`,
    tail: `',"validationLevel":' || ${level} || E'}\\n'`,
  };
}

/**
 * The SQL and parameters of one page of ONE station after `after` (exported for the plan checks
 * of tests and benches). The page's rows, in (ts, metric) order (with the station an equality the
 * sort is on those two only), are grouped by timestamp: a group's head and tail (to_char of its
 * ts, the level of its day) are computed once, not once a reading (10 readings a timestamp at a
 * station of 10 metrics), and its readings' middles joined between them by array_to_string. The
 * groups are laid end to end in ts order. A reading's order inside its group is its order in the
 * page (aggregates read their input in order); the last key is the last group's ts and its
 * greatest metric (the page's readings at that ts are the first ones in metric order, LIMIT cuts
 * after them; max() compares text as ORDER BY does). Only the level spans overlapping the page's
 * window are passed (each group looks its ts up in them).
 */
export function exportPageSql(q: ExportQuery, after: ExportKey | undefined, limit: number): { text: string; values: unknown[] } {
  if (q.stationIds.length !== 1) throw createError('QT_ERR_INTERNAL', `an export page reads one station, not ${q.stationIds.length}`);
  const station = q.stationIds[0]!;
  const values: unknown[] = [station, q.metrics, q.from, q.to, q.validOnly, limit];
  const spans = q.levels.filter((s) => s.stationId === station && s.from < q.to.getTime() && s.to > q.from.getTime());
  let level = `'0'`;
  if (spans.length > 0) {
    values.push(
      spans.map((s) => new Date(s.from)),
      spans.map((s) => new Date(s.to)),
      spans.map((s) => s.level),
    );
    // spans are disjoint: at most one holds the timestamp
    level = `COALESCE((SELECT s.level FROM unnest($7::timestamptz[], $8::timestamptz[], $9::int[]) AS s(f, t, level) WHERE g.ts >= s.f AND g.ts < s.t LIMIT 1), 0)::text`;
  }
  let keyset = '';
  if (after) {
    // the cursor's ts is also a lower bound on ts (chunk exclusion, index range)
    const n = values.length;
    values.push(after.ts, after.metric);
    keyset = `AND ts >= $${n + 1}::timestamptz AND (ts, metric) > ($${n + 1}::timestamptz, $${n + 2}::text)`;
  }
  const { head, middle, tail } = lineParts(q, station, 'g.ts', level);
  const text = `SELECT string_agg(g.head || array_to_string(g.middles, g.tail || g.head) || g.tail, '' ORDER BY g.ts) AS text, sum(g.n)::int AS n,
           to_char(max(g.ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts_key, last(g.last_metric, g.ts) AS metric
      FROM (SELECT g.*, ${head} AS head, ${tail} AS tail
              FROM (SELECT p.ts, count(*)::int AS n, max(p.metric) AS last_metric, array_agg(${middle}) AS middles
                      FROM (SELECT ts, metric, value::text AS vt, quality, qc, review FROM readings
                             WHERE station_id = $1::text AND ($2::text[] IS NULL OR metric = ANY($2::text[]))
                               AND ts >= $3 AND ts < $4 AND (NOT $5::boolean OR ${validatedSql()}) ${keyset}
                             ORDER BY ts, metric LIMIT $6) p
                     GROUP BY p.ts) g) g`;
  return { text, values };
}

/** One page of the export of ONE station after `after`, at most `limit` rows, as one text value. */
export async function exportPage(db: Db, q: ExportQuery, after: ExportKey | undefined, limit: number): Promise<ExportPage> {
  const { text, values } = exportPageSql(q, after, limit);
  const { rows } = await db.query<{ text: string | null; n: number | null; ts_key: string | null; metric: string | null }>(text, values);
  const r = rows[0]!;
  return {
    text: r.text ?? '',
    rows: r.n ?? 0,
    last: r.ts_key === null ? undefined : { stationId: q.stationIds[0]!, ts: r.ts_key, metric: r.metric! },
  };
}

/** A page query's outcome, settled: the prefetched page never rejects unobserved. */
type Settled = { page: ExportPage; err?: undefined } | { page?: undefined; err: unknown };

/** The stations in the database's `ORDER BY station_id` order (its collation, not JavaScript's). */
async function stationOrder(db: Db, ids: readonly string[]): Promise<string[]> {
  if (ids.length < 2) return [...ids];
  const { rows } = await db.query<{ id: string }>('SELECT id FROM unnest($1::text[]) AS id ORDER BY id', [ids]);
  return rows.map((r) => r.id);
}

/** The export of one station: its units and level spans only. */
function oneStation(q: ExportQuery, id: string): ExportQuery {
  return { ...q, stationIds: [id], units: q.units.filter((u) => u.stationId === id), levels: q.levels.filter((l) => l.stationId === id) };
}

const HOUR_MS = 3_600_000;
/** The first window of the first station: a probe (a reading a second of 10 metrics is 36,000 rows). */
export const FIRST_WINDOW_MS = HOUR_MS;
/** The next station's first window is its predecessor's last, at most this wide (stations of one export are often alike). */
const CARRIED_WINDOW_MS = 16 * HOUR_MS;
/** The widest window: 4 of readings' 7-day chunks (an hourly station's page then holds 6,720 rows of 10 metrics). */
export const MAX_WINDOW_MS = 28 * 24 * HOUR_MS;
/** A window's successor is at most this many times wider (an under-filled window's density is a small sample) or narrower. */
const MAX_GROWTH = 16;

/** Where a station's next page starts: a window [from, from + span) of ts, after `after` when a page ended inside it. */
export interface ExportWindow {
  /** epoch ms, inclusive */
  from: number;
  /** ms, >= 1 */
  span: number;
  /** the key of the previous page's last row when that page was full (it ended at or after `from`) */
  after: ExportKey | undefined;
}

/** A key's ts (microseconds) in epoch ms, truncated: never after the key. */
const keyMs = (k: ExportKey) => Date.parse(`${k.ts.slice(0, 23)}Z`);

/**
 * The window after a page of `rows` rows read in `w`, pages of `pageRows`. A full page goes on
 * after its last key, with a window as long as that page took (its density; at most MAX_GROWTH
 * times narrower than its own, so a burst of rows at one timestamp does not leave a window of a
 * millisecond to cross the next gap with); an under-filled one goes on at the window's end, sized
 * to hold about `pageRows` rows at its density (at most MAX_GROWTH times wider), an empty one
 * twice as wide (gaps of weeks are crossed in a few cheap queries); never wider than
 * MAX_WINDOW_MS. The station is done when the window returned has no `after` and starts at or
 * after the end of the range.
 */
export function nextWindow(w: ExportWindow, rows: number, last: ExportKey | undefined, pageRows: number): ExportWindow {
  if (rows >= pageRows && last) {
    const from = keyMs(last);
    return { from, span: Math.min(MAX_WINDOW_MS, Math.max(1, from - w.from, Math.floor(w.span / MAX_GROWTH))), after: last };
  }
  const span = rows === 0 ? w.span * 2 : Math.min(w.span * MAX_GROWTH, Math.round((w.span * pageRows) / rows));
  return { from: w.from + w.span, span: Math.min(MAX_WINDOW_MS, Math.max(1, span)), after: undefined };
}

/**
 * The whole export as text pages of at most `pageRows` rows, one short query per page (no
 * server-side cursor: the one embedded connection is shared with ingest between pages), station
 * after station in the order of the rows. Each page is a query on ONE station over a window of ts
 * [from, from + span) (after the previous page's last key when that page was full), sized from
 * the station's density to hold about `pageRows` rows (nextWindow). Both bounds matter: with only
 * a lower one the plan merges every chunk after the cursor in (station, ts) order, and a
 * compressed chunk (segmented by station and metric, ordered by ts DESC) is decompressed and
 * sorted whole to give its first row, so every page decompressed the rest of the station's range
 * (issue 20: 260–380 ms a page of a compressed year, whatever its length, while ingest commits
 * waited). With an upper bound only the chunks, and in them the compressed batches (by their
 * min/max ts), overlapping the window are read. Rows are in the same order and each exactly once:
 * windows are half-open and follow one another, and a full page's successor starts at its last key.
 * The next page is asked for while the caller writes the current one, never more; a failed page
 * is thrown to the caller when it gets there, and when the caller stopped before (the client
 * left), the failure of the page already asked for goes to `onAbandoned`.
 */
export async function* exportPages(db: Db, q: ExportQuery, pageRows: number, onAbandoned: (err: unknown) => void): AsyncGenerator<string> {
  const stations = await stationOrder(db, q.stationIds);
  const from = q.from.getTime();
  const to = q.to.getTime();
  type Asked = Settled & { i: number; w: ExportWindow };
  // the window as read: the last one of a station ends at `to` (its density is over that length)
  const ask = (i: number, window: ExportWindow): Promise<Asked> => {
    const w = { ...window, span: Math.min(window.span, to - window.from) };
    return exportPage(db, { ...oneStation(q, stations[i]!), from: new Date(w.from), to: new Date(w.from + w.span) }, w.after, pageRows).then(
      (page) => ({ page, i, w }),
      (err: unknown) => ({ err, i, w }),
    );
  };
  let next: Promise<Asked> | undefined = stations.length > 0 && from < to ? ask(0, { from, span: FIRST_WINDOW_MS, after: undefined }) : undefined;
  try {
    while (next) {
      const settled: Asked = await next;
      next = undefined;
      if (settled.err !== undefined || !settled.page) throw settled.err;
      const { page, i, w } = settled;
      const after = nextWindow(w, page.rows, page.last, pageRows);
      if (after.after || after.from < to) next = ask(i, after);
      else if (i + 1 < stations.length) next = ask(i + 1, { from, span: Math.min(after.span, CARRIED_WINDOW_MS), after: undefined });
      if (page.rows > 0) yield page.text;
    }
  } finally {
    // the caller stopped early: the page asked for ahead still settles; its failure is reported
    void next?.then((settled) => {
      if (settled.err !== undefined) onAbandoned(settled.err);
    });
  }
}
