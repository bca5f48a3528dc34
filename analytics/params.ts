/**
 * @module dashboard/server/analytics/params
 * Parsing and checking of the analyst API's parameters (bucket intervals, aggregate lists,
 * comma lists, opaque cursors) and the calendar arithmetic of buckets. Every refusal is a 400
 * whose message starts with the parameter's name.
 */
import { createHash } from 'node:crypto';
import { createError } from '../lib/errors.js';
import { formatOffset } from '../lib/time.js';
import { AGG_NAMES, type AggName, type RawKey } from '../store/analytics.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * A bucket: fixed width (minutes, hours, days: `5m`, `2h`, `1d`), calendar months (`1mo`), or the
 * VN_AQI day (`aqiday`: hour-ending labels 01:00 → 24:00, i.e. the local day's 24 hourly means).
 */
export type Bucket =
  | { kind: 'fixed'; text: string; ms: number; sql: string }
  | { kind: 'month'; text: string; months: number; sql: string }
  | { kind: 'aqiday'; text: 'aqiday'; ms: number; sql: string };

const BUCKET_RE = /^([1-9][0-9]{0,4})(m|h|d|mo)$/;

export function parseBucket(text: string): Bucket {
  if (text === 'aqiday') return { kind: 'aqiday', text, ms: DAY, sql: '1 day' };
  const m = BUCKET_RE.exec(text);
  if (!m) throw createError('QT_ERR_INTERVAL_INVALID', `bucket: "${text}" is not an interval (use e.g. 1m, 5m, 15m, 30m, 1h, 2h, 1d, 1mo, or aqiday)`);
  const n = Number(m[1]);
  const unit = m[2] as 'm' | 'h' | 'd' | 'mo';
  if (unit === 'mo') {
    if (n > 120) throw createError('QT_ERR_INTERVAL_INVALID', `bucket: "${text}" is longer than 120 months`);
    return { kind: 'month', text, months: n, sql: `${n} months` };
  }
  const ms = n * (unit === 'm' ? MINUTE : unit === 'h' ? HOUR : DAY);
  if (ms > 366 * DAY) throw createError('QT_ERR_INTERVAL_INVALID', `bucket: "${text}" is longer than 366 days`);
  return { kind: 'fixed', text, ms, sql: `${n} ${unit === 'm' ? 'minutes' : unit === 'h' ? 'hours' : 'days'}` };
}

/** Comma list of aggregates, deduplicated, in the order given. */
export function parseAggs(text: string | undefined): AggName[] {
  if (text === undefined) return ['avg'];
  const names = text.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !(AGG_NAMES as readonly string[]).includes(n));
  if (bad.length > 0 || names.length === 0) {
    throw createError('QT_ERR_QUERY_INVALID', `agg: ${bad.map((b) => `"${b}"`).join(', ') || 'empty'} not one of ${AGG_NAMES.join(', ')}`);
  }
  return [...new Set(names as AggName[])];
}

/** Comma list of ids (stations, metrics); `name` is the parameter named in errors. */
export function parseList(name: string, text: string, max: number): string[] {
  const items = [...new Set(text.split(',').map((s) => s.trim()))];
  if (items.some((s) => !/^[A-Za-z0-9_-]{1,64}$/.test(s))) throw createError('QT_ERR_QUERY_INVALID', `${name}: "${text}" must be a comma-separated list of ids`);
  if (items.length > max) throw createError('QT_ERR_QUERY_INVALID', `${name}: at most ${max} items`);
  return items;
}

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic, matching TimescaleDB's time_bucket(interval, ts, timezone): fixed widths
// from the origin 2000-01-03 00:00 local (a Monday), months from 2000-01-01 local.

/** The zone's offset from UTC at `at`, ms (Vietnam: +7 h all year): lib/time's, re-exported for the analyst API. */
export { zoneOffsetMs } from '../lib/time.js';

export function bucketStart(bucket: Bucket, t: number, offsetMs: number): number {
  if (bucket.kind === 'month') {
    const local = new Date(t + offsetMs);
    const months = (local.getUTCFullYear() - 2000) * 12 + local.getUTCMonth();
    const start = Math.floor(months / bucket.months) * bucket.months;
    return Date.UTC(2000 + Math.floor(start / 12), ((start % 12) + 12) % 12) - offsetMs;
  }
  const origin = Date.UTC(2000, 0, 3) - offsetMs;
  return origin + Math.floor((t - origin) / bucket.ms) * bucket.ms;
}

export function bucketEnd(bucket: Bucket, start: number, offsetMs: number): number {
  if (bucket.kind === 'month') {
    const local = new Date(start + offsetMs);
    return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + bucket.months) - offsetMs;
  }
  return start + bucket.ms;
}

/** ISO 8601 with the zone's offset, e.g. 2026-11-22T00:00:00+07:00. */
export function localIso(t: number, offsetMs: number): string {
  return new Date(t + offsetMs).toISOString().replace(/\.\d{3}Z$/, formatOffset(offsetMs));
}

// ---------------------------------------------------------------------------------------------
// Cursors

/** What a cursor is bound to: the same cursor on another query is refused rather than misread. */
export function queryFingerprint(parts: ReadonlyArray<string | null | undefined>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);
}

export function encodeCursor(key: RawKey, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ v: 1, s: key.stationId, t: key.ts, m: key.metric, f: fingerprint })).toString('base64url');
}

const KEY_TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function decodeCursor(cursor: string, fingerprint: string): RawKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw createError('QT_ERR_CURSOR_INVALID', 'cursor: malformed (pass the `next` value of the previous page unchanged)');
  }
  const c = parsed as { v?: unknown; s?: unknown; t?: unknown; m?: unknown; f?: unknown } | null;
  if (
    !c ||
    typeof c !== 'object' ||
    c.v !== 1 ||
    typeof c.s !== 'string' ||
    typeof c.m !== 'string' ||
    typeof c.t !== 'string' ||
    !KEY_TS_RE.test(c.t) ||
    Number.isNaN(Date.parse(c.t.replace(/\d{3}Z$/, 'Z')))
  ) {
    throw createError('QT_ERR_CURSOR_INVALID', 'cursor: malformed (pass the `next` value of the previous page unchanged)');
  }
  if (c.f !== fingerprint) throw createError('QT_ERR_CURSOR_INVALID', 'cursor: belongs to a different query (stations, metric, from, quality must stay the same)');
  return { stationId: c.s, ts: c.t, metric: c.m };
}
