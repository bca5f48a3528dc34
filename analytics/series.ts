/**
 * @module analytics/series
 * Aggregated series with coverage over VALIDATED readings (store/analytics.ts; coverage also says
 * how many were flagged or invalidated; the daily completeness report is analytics/completeness.ts): picks the source (a
 * continuous aggregate when it can answer exactly, the raw table otherwise, within the raw
 * range bound), fills empty buckets so gaps show as 0 % coverage, and computes expected counts
 * from the profile's reporting interval.
 */
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import { createError } from '../lib/errors.js';
import { CAGG_AGGS, DAILY_AGGREGATE_TIMEZONE, QUANTILES, type AggName, type AggregateSource } from '../store/analytics.js';
import { aggregateColumns } from '../store/aggregates.js';
import { caggReader } from '../store/cagg-source.js';
import type { AnswerCache } from './answer-cache.js';
import type { ChunkPool } from './chunk-pool.js';
import { cacheEntry } from './series-cache.js';
import type { Db } from '../store/index.js';
import type { Station } from '../store/stations.js';
import { JsonBytes, utf8 } from './json-bytes.js';
import { stringColumn, writeSeriesColumns } from './series-columns.js';
import { rowHead, writeSeriesRows } from './series-rows.js';
import { bucketEnd, bucketStart, localIso, zoneOffsetMs, type Bucket } from './params.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface SeriesRequest {
  stations: readonly Station[];
  metrics: readonly string[];
  from: Date;
  to: Date;
  bucket: Bucket;
  aggs: readonly AggName[];
  quality: 'valid' | 'all';
  /** median and percentiles from the raw readings (exact) rather than the aggregates' sketches (estimated) */
  exact?: boolean;
  /** rows (default): `data`, an object per bucket; columns: `columns`, an array per field (analytics/series-columns.ts) */
  shape?: 'rows' | 'columns';
  now: number;
}

export interface Coverage {
  /** readings the profile's interval promises over the bucket's elapsed part */
  expected: number;
  /** readings counted (validated ones; with quality=all, flagged ones that carry a value too) */
  received: number;
  /** validated readings (station flag 0, not flagged by a check unless a reviewer restored it, not invalidated) */
  valid: number;
  /** flagged by an automatic check and not reviewed yet (excluded from the statistics) */
  flagged: number;
  /** invalidated by a reviewer (excluded from the statistics) */
  invalidated: number;
  calibrating: number;
  fault: number;
  /** readings of a maintenance period (null kept in the type for old clients; every source keeps it now) */
  maintenance: number | null;
  /** received ÷ expected × 100, one decimal, at most 100; null when nothing was expected */
  percent: number | null;
}

export interface SeriesBucket {
  ts: string;
  end: string;
  local: string;
  day?: string;
  values: Partial<Record<AggName, number | null>>;
  coverage: Coverage;
}

/** A series' buckets column by column (shape=columns): the fields of SeriesBucket, an array each; a bucket ends where the next starts. */
export interface SeriesColumnsJson {
  ts: string[];
  day?: string[];
  values: Partial<Record<AggName, Array<number | null>>>;
  coverage: { [K in keyof Coverage]: Array<Coverage[K]> };
}

export interface Series {
  station: string;
  metric: string;
  unit: string;
  intervalSeconds: number;
  timezone: string;
  /** shape=rows */
  data?: SeriesBucket[];
  /** shape=columns */
  columns?: SeriesColumnsJson;
}

export interface SeriesResult {
  from: Date;
  to: Date;
  source: AggregateSource;
  /**
   * The series (Series[]) as UTF-8 JSON in consecutive chunks, byte for byte what the response
   * schema's serializer writes for them: written as bytes because 24,000 buckets as objects, then
   * serialized, cost several times the query (and as strings, in garbage collection and
   * encoding, about as much as the query).
   */
  seriesJson: Buffer[];
  /**
   * Present when the chunks of `seriesJson` were taken from the pool aggregateSeries was given
   * and the answer is not kept: gives them back (analytics/chunk-pool.ts), to be called once
   * nothing refers to them any more (the answer sent to its last byte).
   */
  release?: () => void;
}

export function intervalSecondsOf(profile: LoadedProfile['profile'], metric: string): number {
  return profile.metrics[metric]?.intervalSeconds ?? profile.expectedIntervalSeconds;
}

export function rangeDays(from: Date, to: Date): number {
  return (to.getTime() - from.getTime()) / DAY;
}

/** received ÷ expected × 100, one decimal, at most 100; null when nothing was expected (JsonBytes.percent writes the same). */
export function percent(received: number, expected: number): number | null {
  if (expected <= 0) return null;
  return Math.min(100, Math.round((received / expected) * 1000) / 10);
}

/** Seconds of [start, end) that have elapsed by `now`. */
export function elapsedMs(start: number, end: number, now: number): number {
  return Math.max(0, Math.min(end, now) - start);
}

/** An integer as the schema's serializer writes it (`type: 'integer'` truncates). */
function integerJson(n: number): string {
  return Number.isInteger(n) ? '' + n : '' + Math.trunc(n);
}

/** Chooses the source that answers exactly: aggregates for whole hours/days/months of valid data, raw otherwise. */
function chooseSource(req: SeriesRequest, offsetMs: number, timezone: string): AggregateSource {
  const needsRaw =
    req.quality === 'all' ||
    req.aggs.some((a) => !CAGG_AGGS.has(a) || (req.exact === true && QUANTILES[a] !== undefined)) ||
    offsetMs % HOUR !== 0 ||
    (req.bucket.kind === 'fixed' && req.bucket.ms % HOUR !== 0);
  if (needsRaw) return 'raw';
  if (req.bucket.kind === 'aqiday') return 'hourly';
  if (timezone !== DAILY_AGGREGATE_TIMEZONE) return 'hourly';
  if (req.bucket.kind === 'month') return 'monthly';
  return req.bucket.kind === 'fixed' && req.bucket.ms % DAY === 0 ? 'daily' : 'hourly';
}

/** The bucket asked for is the source's own bucket (its rows are read without grouping again; store/analytics.ts). */
function isOwnBucket(bucket: Bucket, source: AggregateSource): boolean {
  if (source === 'hourly') return bucket.kind === 'fixed' && bucket.ms === HOUR;
  if (source === 'daily') return bucket.kind === 'fixed' && bucket.ms === DAY;
  if (source === 'monthly') return bucket.kind === 'month' && bucket.months === 1;
  return false;
}

const OPEN_ARRAY = utf8('[');
const CLOSE_ARRAY = utf8(']');
const CLOSE_OBJECT = utf8('}');

/**
 * Buckets per statement of a large answer: its stations are asked in parts of about this many, so
 * that an ingest commit waiting for the embedded database's one connection waits behind one part,
 * not the whole answer (bench/contention.ts asks 24,000 buckets every second).
 */
const PART_ROWS = 6_000;
/** At most this many parts per zone: each statement has its own planning cost (a few ms on the embedded database). */
const MAX_PARTS = 4;

const RANK: Record<AggregateSource, number> = { monthly: 0, daily: 1, hourly: 2, raw: 3 };

/**
 * The aggregated series of `req`. With `cache`, an answer over ended buckets that a materialized
 * hypertable holds is kept, and served again while the stamps of its rows are unchanged. With
 * `pool`, the answer is written into its buffers, and an answer not kept says how to give them back.
 */
export async function aggregateSeries(
  db: Db,
  config: Readonly<Config>,
  profiles: ReadonlyMap<string, LoadedProfile>,
  req: SeriesRequest,
  cache?: AnswerCache<SeriesResult>,
  pool?: ChunkPool,
): Promise<SeriesResult> {
  if (req.bucket.kind === 'aqiday') {
    const bad = req.aggs.filter((a) => !['avg', 'min', 'max', 'count'].includes(a));
    if (bad.length > 0) throw createError('QT_ERR_QUERY_INVALID', `agg: ${bad.join(', ')} not available with bucket=aqiday (avg, min, max, count of the hourly means)`);
  }
  // Stations are grouped by time zone: each gets its own local calendar.
  const byZone = new Map<string, Station[]>();
  for (const s of req.stations) {
    const zone = byZone.get(s.timezone);
    if (zone) zone.push(s);
    else byZone.set(s.timezone, [s]);
  }

  let widenedFrom = req.from.getTime();
  let widenedTo = req.to.getTime();
  const plans = [...byZone].map(([timezone, stations]) => {
    const offsetMs = zoneOffsetMs(timezone, req.from.getTime());
    const from = bucketStart(req.bucket, req.from.getTime(), offsetMs);
    const to = bucketEnd(req.bucket, bucketStart(req.bucket, req.to.getTime() - 1, offsetMs), offsetMs);
    widenedFrom = Math.min(widenedFrom, from);
    widenedTo = Math.max(widenedTo, to);
    return { timezone, stations, offsetMs, from, to, source: chooseSource(req, offsetMs, timezone) };
  });

  let usedSource: AggregateSource = 'monthly';
  // Each zone's buckets, checked against the limits before any query runs.
  const zones = plans.map((plan) => {
    const limitDays = plan.source === 'raw' ? config.analytics.maxRawRangeDays : config.analytics.maxAggregateRangeDays;
    if (rangeDays(new Date(plan.from), new Date(plan.to)) > limitDays) {
      throw createError(
        'QT_ERR_RANGE_TOO_LARGE',
        `from/to: ${plan.source === 'raw' ? `aggregates computed from raw readings (${req.aggs.join(',')}, bucket=${req.bucket.text}, quality=${req.quality})` : 'aggregates'} are limited to ${limitDays} days; ask for a shorter range`,
      );
    }
    const starts: number[] = [];
    for (let t = plan.from; t < plan.to; t = bucketEnd(req.bucket, t, plan.offsetMs)) {
      starts.push(t);
      if (starts.length > config.analytics.maxBuckets) {
        throw createError(
          'QT_ERR_QUERY_INVALID',
          `bucket: ${req.bucket.text} over this range gives more than ${config.analytics.maxBuckets} buckets per series; use a larger bucket or a shorter range`,
        );
      }
    }
    if (RANK[plan.source] > RANK[usedSource]) usedSource = plan.source;
    return { ...plan, starts };
  });
  type Zone = (typeof zones)[number];

  // One statement per part: a zone's stations in groups of about PART_ROWS buckets (at most MAX_PARTS groups).
  const parts: Array<{ zone: Zone; stations: Station[] }> = [];
  for (const zone of zones) {
    const perStation = Math.max(1, req.metrics.length * zone.starts.length);
    const size = Math.max(1, Math.floor(PART_ROWS / perStation), Math.ceil(zone.stations.length / MAX_PARTS));
    for (let i = 0; i < zone.stations.length; i += size) parts.push({ zone, stations: zone.stations.slice(i, i + size) });
  }
  // the continuous aggregates' watermarks, read once for every part (store/cagg-source.ts)
  const caggs = zones.some((z) => z.source !== 'raw') ? await caggReader(db) : undefined;
  const entry =
    cache && caggs
      ? await cacheEntry(db, cache, caggs, { ...req, bucket: req.bucket.text, shape: req.shape ?? 'rows' }, zones, (s) => {
          const profile = profiles.get(s.profileId)!.profile;
          return `${s.id}/${s.profileId}/${req.metrics.map((m) => `${intervalSecondsOf(profile, m)}${profile.metrics[m]?.unit ?? ''}`).join('/')}`;
        })
      : undefined;
  if (entry) {
    const kept = cache!.get(entry.key, entry.stamps);
    if (kept) return kept;
  }
  const query = (part: (typeof parts)[number]) =>
    aggregateColumns(
      db,
      {
        stationIds: part.stations.map((s) => s.id),
        metrics: req.metrics,
        from: new Date(part.zone.from),
        to: new Date(part.zone.to),
        interval: req.bucket.sql,
        timezone: part.zone.timezone,
        aggs: req.aggs,
        includeFlagged: req.quality === 'all',
        source: part.zone.source,
        hourlyMeans: req.bucket.kind === 'aqiday',
        ownBuckets: req.bucket.kind !== 'aqiday' && isOwnBucket(req.bucket, part.zone.source),
      },
      caggs,
    );

  const out = new JsonBytes(pool);
  out.reserve(1);
  out.bytes(OPEN_ARRAY);
  let firstSeries = true;
  // the JSON of each aggregate's key (`,"avg":`; the first without its comma), and of `values` for a bucket without readings
  const aggKeys = req.aggs.map((a, i) => utf8(`${i === 0 ? '' : ','}${JSON.stringify(a)}:`));
  const emptyValues = utf8(req.aggs.map((a) => `${JSON.stringify(a)}:${a === 'count' ? '0' : 'null'}`).join(','));
  const columns = req.shape === 'columns';
  const aggColumnKeys = req.aggs.map((a, i) => utf8(`${i === 0 ? '' : ','}${JSON.stringify(a)}:[`));
  const isCount = req.aggs.map((a) => a === 'count');
  /**
   * Per zone, once for every series: each bucket start's index and ms elapsed, and either each
   * bucket's head (rows: the bytes of its ts/end/local/day, after a comma but the first) or the
   * zone's time columns (shape=columns: `"ts":[…]`, and `,"day":[…]` for aqiday).
   */
  const bucketsOf = new Map<Zone, { index: Map<number, number>; rowHeads: Buffer[]; timeColumns: Buffer[]; elapsed: number[] }>();
  function zoneBuckets(zone: Zone) {
    let b = bucketsOf.get(zone);
    if (b) return b;
    b = { index: new Map(), rowHeads: [], timeColumns: [], elapsed: [] };
    const ts: string[] = [];
    const days: string[] = [];
    for (let i = 0; i < zone.starts.length; i++) {
      const start = zone.starts[i]!;
      const end = bucketEnd(req.bucket, start, zone.offsetMs);
      const local = localIso(start, zone.offsetMs);
      b.index.set(start, i);
      if (columns) {
        ts.push(new Date(start).toISOString());
        if (req.bucket.kind === 'aqiday') days.push(local.slice(0, 10));
      } else {
        b.rowHeads.push(rowHead(i, new Date(start).toISOString(), new Date(end).toISOString(), local, req.bucket.kind === 'aqiday' ? local.slice(0, 10) : undefined));
      }
      b.elapsed.push(elapsedMs(start, end, req.now));
    }
    if (columns) {
      b.timeColumns.push(stringColumn('ts', ts, false));
      if (req.bucket.kind === 'aqiday') b.timeColumns.push(stringColumn('day', days, true));
    }
    bucketsOf.set(zone, b);
    return b;
  }

  // The next part is asked before this one's JSON is written: the database works on its own thread meanwhile.
  // Each part settles into its columns or its error, and the error is thrown to the caller when
  // the loop comes to that part (a part asked ahead must not reject unobserved meanwhile).
  const ask = (part: (typeof parts)[number]) =>
    query(part).then(
      (cols) => ({ cols }),
      (error: unknown) => ({ error }),
    );
  let pending = parts.length > 0 ? ask(parts[0]!) : undefined;
  for (let k = 0; k < parts.length; k++) {
    const settled = await pending!;
    if ('error' in settled) throw settled.error;
    const cols = settled.cols;
    pending = k + 1 < parts.length ? ask(parts[k + 1]!) : undefined;
    const { zone, stations } = parts[k]!;
    const { starts } = zone;
    const { index, rowHeads, timeColumns, elapsed } = zoneBuckets(zone);
    // per series key, per bucket index: the row holding it (-1: none)
    const found = new Map<string, Int32Array>();
    for (let r = 0; r < cols.rows; r++) {
      const i = index.get(cols.bucket[r]!);
      if (i === undefined) continue;
      const key = cols.keys[r]!;
      let buckets = found.get(key);
      if (!buckets) found.set(key, (buckets = new Int32Array(starts.length).fill(-1)));
      buckets[i] = r;
    }
    for (const station of stations) {
      const profile = profiles.get(station.profileId)!.profile;
      for (const metric of req.metrics) {
        const intervalSeconds = intervalSecondsOf(profile, metric);
        const intervalMs = intervalSeconds * 1000;
        const buckets = found.get(`${station.id}\t${metric}`);
        const unit = profile.metrics[metric]?.unit ?? '';
        const seriesHead = utf8(
          `${firstSeries ? '' : ','}{"station":${JSON.stringify(station.id)},"metric":${JSON.stringify(metric)},"unit":${JSON.stringify(unit)},"intervalSeconds":${integerJson(intervalSeconds)},"timezone":${JSON.stringify(zone.timezone)},${columns ? '' : '"data":['}`,
        );
        firstSeries = false;
        out.reserve(seriesHead.length + 2);
        out.bytes(seriesHead);
        const expected = new Float64Array(starts.length);
        for (let i = 0; i < starts.length; i++) expected[i] = Math.floor(elapsed[i]! / intervalMs);
        if (columns) {
          writeSeriesColumns(out, { rows: buckets, cols, aggKeys: aggColumnKeys, isCount, expected, timeColumns });
          out.reserve(1);
          out.bytes(CLOSE_OBJECT);
          continue;
        }
        writeSeriesRows(out, { rows: buckets, cols, aggKeys, emptyValues, heads: rowHeads, expected });
      }
    }
  }
  out.reserve(1);
  out.bytes(CLOSE_ARRAY);
  const result: SeriesResult = { from: new Date(widenedFrom), to: new Date(widenedTo), source: usedSource, seriesJson: out.chunks() };
  // the chunks hold their bytes (each a part of a buffer of about a megabyte), the key about its length
  const kept = entry !== undefined && cache!.set(entry.key, entry.stamps, result, result.seriesJson.reduce((n, b) => n + b.length, 0) + (1 << 20) + 2 * entry.key.length);
  // a kept answer's chunks are the cache's for good; the others go back to the pool once sent
  if (!kept && pool) result.release = () => out.release();
  return result;
}
