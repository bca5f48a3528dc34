/**
 * @module store/latest
 * The newest valid value of each metric of some stations: the seed of the live overview's per-type
 * indices (flood level, salinity class, permit compliance: domain/type-index.ts), which the bus's
 * readingsAccepted events then keep current; and the open data's station list (current index and
 * newest public values).
 *
 * Validation (issue 18): the live seed keeps the station's own flag only (quality 0), as the live
 * stream that follows it does (a live state, not a statistic); the open data's values are
 * VALIDATED readings only (flagged and invalidated readings are never published).
 */
import { QUALITY } from '../domain/quality.js';
import { validatedSql } from '../domain/validation/codes.js';
import type { Db } from './db.js';

/** A metric's newest valid value and its time (epoch ms). */
export interface LatestValue {
  ts: number;
  value: number;
}

/** Newest valid (quality 0, non-null) value per station and metric over readings at or after `since`. */
export async function latestValidValues(db: Db, stationIds: readonly string[], since: Date): Promise<Map<string, Map<string, LatestValue>>> {
  const out = new Map<string, Map<string, LatestValue>>();
  if (stationIds.length === 0) return out;
  const { rows } = await db.query<{ station_id: string; metric: string; ts: Date; value: number }>(
    `SELECT DISTINCT ON (station_id, metric) station_id, metric, ts, value FROM readings
      WHERE station_id = ANY($1::text[]) AND ts >= $2 AND quality = $3 AND value IS NOT NULL
      ORDER BY station_id, metric, ts DESC`,
    [stationIds, since, QUALITY.valid],
  );
  for (const r of rows) {
    const m = out.get(r.station_id) ?? new Map<string, LatestValue>();
    m.set(r.metric, { ts: r.ts.getTime(), value: Number(r.value) });
    out.set(r.station_id, m);
  }
  return out;
}

/** One station's wanted index (as store/open-data.ts currentIndices) or metrics, before its publication cutoff. */
export interface IndexWanted {
  stationId: string;
  indexName: string;
  cutoff: Date;
  /** nothing older (an hour starting before it, a reading before it); null/undefined = no floor */
  floor?: Date | null | undefined;
}
export interface ValuesWanted {
  stationId: string;
  metrics: readonly string[];
  cutoff: Date;
  floor?: Date | null | undefined;
}
export interface CurrentIndexRow {
  stationId: string;
  indexName: string;
  ts: Date;
  value: number;
  category: string;
  dominant: string;
}

/**
 * The open data's station list in one round trip: each wanted station's newest hourly index no
 * older than `freshMs` before its cutoff (the rows of store/open-data.ts currentIndices), and the
 * newest validated value of each wanted metric no older than `lookbackMs` before its cutoff.
 */
export async function currentIndicesAndValues(
  db: Db,
  indices: readonly IndexWanted[],
  values: readonly ValuesWanted[],
  freshMs: number,
  lookbackMs: number,
): Promise<{ indices: CurrentIndexRow[]; values: Map<string, Map<string, number>> }> {
  const pairs = values.flatMap((v) => v.metrics.map((metric) => ({ stationId: v.stationId, metric, cutoff: v.cutoff, floor: v.floor ?? null })));
  const { rows } = await db.query<{ kind: 'index' | 'value'; station_id: string; name: string; ts: Date; value: number; category: string | null; dominant: string | null }>(
    `SELECT 'index' AS kind, w.station_id, w.index_name AS name, i.ts, i.aqi::double precision AS value, i.category, i.dominant
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $9::timestamptz[]) AS w(station_id, index_name, cutoff, floor)
       CROSS JOIN LATERAL (
         SELECT ts, aqi, category, dominant FROM aqi_hourly
          WHERE station_id = w.station_id AND index_name = w.index_name
            AND ts <= w.cutoff AND ts > w.cutoff - ($4::double precision * INTERVAL '1 millisecond')
            AND (w.floor IS NULL OR ts - INTERVAL '1 hour' >= w.floor)
          ORDER BY ts DESC LIMIT 1) i
     UNION ALL
     SELECT 'value', v.station_id, v.metric, l.ts, l.value, NULL, NULL
       FROM unnest($5::text[], $6::text[], $7::timestamptz[], $10::timestamptz[]) AS v(station_id, metric, cutoff, floor)
       CROSS JOIN LATERAL (
         SELECT ts, value FROM readings
          WHERE station_id = v.station_id AND metric = v.metric AND ts <= v.cutoff
            AND ts > v.cutoff - ($8::double precision * INTERVAL '1 millisecond')
            AND (v.floor IS NULL OR ts >= v.floor)
            AND ${validatedSql()} AND value IS NOT NULL
          ORDER BY ts DESC LIMIT 1) l`,
    [
      indices.map((w) => w.stationId),
      indices.map((w) => w.indexName),
      indices.map((w) => w.cutoff),
      freshMs,
      pairs.map((p) => p.stationId),
      pairs.map((p) => p.metric),
      pairs.map((p) => p.cutoff),
      lookbackMs,
      indices.map((w) => w.floor ?? null),
      pairs.map((p) => p.floor),
    ],
  );
  const out: CurrentIndexRow[] = [];
  const latest = new Map<string, Map<string, number>>();
  for (const r of rows) {
    if (r.kind === 'index')
      out.push({ stationId: r.station_id, indexName: r.name, ts: r.ts, value: Number(r.value), category: r.category as string, dominant: r.dominant as string });
    else latest.set(r.station_id, (latest.get(r.station_id) ?? new Map<string, number>()).set(r.name, Number(r.value)));
  }
  return { indices: out, values: latest };
}
