/**
 * @module analytics/series-cache
 * Which aggregated answers can be kept (analytics/answer-cache.ts), under which key, with which
 * stamps: an answer whose buckets have all ended and are read from a materialized hypertable alone.
 */
import type { AggregateSource } from '../store/analytics.js';
import { VIEWS } from '../store/aggregates.js';
import type { CaggReader } from '../store/cagg-source.js';
import { caggRowsStamp } from '../store/cagg-stamp.js';
import type { Db } from '../store/index.js';
import type { Station } from '../store/stations.js';
import type { AnswerCache } from './answer-cache.js';

/** What an answer is asked with, beside its zones. */
export interface AnswerRequest {
  /** the bucket as asked (`1h`, `1d`, …) */
  bucket: string;
  aggs: readonly string[];
  quality: string;
  metrics: readonly string[];
  /** rows or columns (analytics/series.ts) */
  shape: string;
  now: number;
}

/** One time zone's part of an answer: its stations, its widened range, where its rows come from. */
export interface AnswerZone {
  timezone: string;
  from: number;
  to: number;
  stations: readonly Station[];
  source: AggregateSource;
}

/**
 * What makes an answer: the request as the zones widened it, and per station what the answer
 * shows of it beside its rows (`stationKey`: its profile's fields, so a profile edited gives
 * another key).
 */
function answerKey(req: AnswerRequest, zones: readonly AnswerZone[], stationKey: (s: Station) => string): string {
  const parts: string[] = [req.bucket, req.aggs.join(','), req.quality, req.metrics.join(','), req.shape];
  for (const z of zones) {
    parts.push(`${z.timezone}@${z.from}-${z.to}`);
    for (const s of z.stations) parts.push(stationKey(s));
  }
  return parts.join('\n');
}

/**
 * The key and stamps of an answer that can be kept (analytics/answer-cache.ts): every zone's
 * buckets have ended and are read from a materialized hypertable alone, and the cache admits it
 * (asked before). Undefined otherwise (raw rows, a range reaching into the real-time part or into
 * the future, an answer asked for the first time).
 */
export async function cacheEntry<T>(
  db: Db,
  cache: AnswerCache<T>,
  caggs: CaggReader,
  req: AnswerRequest,
  zones: readonly AnswerZone[],
  stationKey: (s: Station) => string,
): Promise<{ key: string; stamps: string } | undefined> {
  const tables: string[] = [];
  for (const z of zones) {
    const table = z.source === 'raw' || z.to > req.now ? undefined : caggs.materializedTable(VIEWS[z.source], new Date(z.from), new Date(z.to));
    if (!table) return undefined;
    tables.push(table);
  }
  const key = answerKey(req, zones, stationKey);
  if (!cache.admit(key)) return undefined;
  const stamps: string[] = [];
  try {
    for (let i = 0; i < zones.length; i++) {
      const z = zones[i]!;
      stamps.push(await caggRowsStamp(db, { table: tables[i]!, stationIds: z.stations.map((s) => s.id), metrics: req.metrics, from: new Date(z.from), to: new Date(z.to) }));
    }
  } catch {
    // Stamps that cannot be read (a server whose aggregates were compressed by hand: a compressed
    // chunk has no xmin to read) keep nothing: the answer is computed as for a first ask, and a
    // database that cannot answer at all fails that query, with its error.
    return undefined;
  }
  return { key, stamps: stamps.join('|') };
}
