/**
 * @module store/job-slices
 * A policy job cut into short statements, so that the embedded database's one connection is
 * never held by a whole job: `CALL run_job(id)` refreshed an aggregate over days or compressed
 * every due chunk in one statement, and every ingest commit queued behind it (issue 20). Each
 * slice here is one statement the caller runs through the background lane (store/db-gate.ts), so
 * an ingest commit waits for one slice at most.
 *
 * - aggregate refresh: the policy's window (now - start_offset … now - end_offset), cut at the
 *   aggregate's bucket boundaries (its bucket width and time zone, from TimescaleDB's catalog):
 *   one `refresh_continuous_aggregate` per bucket. refresh_continuous_aggregate refreshes the
 *   whole buckets inside its window, so the slices together refresh what one call over the whole
 *   window would: the partial buckets at either end stay out.
 *   Only the buckets a refresh would change get a slice: one TimescaleDB's invalidation logs
 *   mark (a write into materialized buckets, logged per raw hypertable and then per aggregate),
 *   or one not below the invalidation threshold (never materialized: writes there are not
 *   logged). refresh_continuous_aggregate over any other bucket finds nothing to do, but still
 *   took the connection for a statement (168 of them for a week of hourly buckets). A write that
 *   lands after the slices are listed is in the log for the next run, as with TimescaleDB's own
 *   policy. When the raw hypertable's time is not a timestamptz, every bucket gets its slice.
 * - compression: the chunks the policy would compress (older than compress_after, not compressed
 *   or partially compressed, at most maxchunks_to_compress), one `compress_chunk` each; then one
 *   `merge_chunks` per group of the chunks earlier runs compressed (store/chunk-plan.ts keeps the
 *   embedded chunks small; merging keeps their count down).
 * - anything else (retention's drop_chunks is quick), or a job whose config or aggregate is not
 *   of a shape known here: the job itself, `CALL run_job(id)`.
 */
import { compressedChunks, mergeGroups } from './chunk-plan.js';
import type { Db } from './db.js';

/** A policy job as the runner lists it (timescaledb_information.jobs). */
export interface PolicyJobRow {
  job_id: number;
  proc_name: string;
  schedule_interval_ms: number;
  hypertable_schema: string | null;
  hypertable_name: string | null;
  config: Record<string, unknown> | null;
}

/** One statement of a job. */
export interface JobSlice {
  /** what it does (labels its hold on the connection: store/db-gate.ts statistics) */
  kind: 'refresh' | 'compress' | 'merge' | 'job';
  text: string;
  params: unknown[];
}

const asText = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The whole job as one statement (what the runner did for every job before issue 20). */
function wholeJob(job: PolicyJobRow): JobSlice[] {
  return [{ kind: 'job', text: 'CALL run_job($1)', params: [job.job_id] }];
}

/** One refresh per bucket of the policy's window; the whole job when the aggregate's buckets are not plain. */
async function refreshSlices(db: Db, job: PolicyJobRow): Promise<JobSlice[]> {
  const matId = job.config?.['mat_hypertable_id'];
  const startOffset = asText(job.config?.['start_offset']);
  const endOffset = asText(job.config?.['end_offset']);
  if (typeof matId !== 'number' || startOffset === undefined || endOffset === undefined) return wholeJob(job);
  const { rows: aggs } = await db.query<{ view: string; width: string; tz: string | null; plain: boolean; raw: number; logged: boolean }>(
    `SELECT format('%I.%I', a.user_view_schema, a.user_view_name) AS view, f.bucket_width AS width, f.bucket_timezone AS tz,
            (f.bucket_origin IS NULL AND f.bucket_offset IS NULL) AS plain, a.raw_hypertable_id AS raw,
            coalesce((SELECT d.column_type = 'timestamptz'::regtype FROM _timescaledb_catalog.dimension d
                       WHERE d.hypertable_id = a.raw_hypertable_id AND d.interval_length IS NOT NULL ORDER BY d.id LIMIT 1), false) AS logged
       FROM _timescaledb_catalog.continuous_agg a
       JOIN _timescaledb_catalog.continuous_aggs_bucket_function f ON f.mat_hypertable_id = a.mat_hypertable_id
      WHERE a.mat_hypertable_id = $1`,
    [matId],
  );
  const agg = aggs[0];
  // an origin or offset moves the bucket boundaries: cutting elsewhere would drop the buckets cut in two
  if (!agg || !agg.plain) return wholeJob(job);
  // The bucket boundaries inside the window, as text, stepped in the aggregate's time zone (UTC
  // when it has none, as time_bucket does): a partial bucket at either end is left out, as
  // refresh_continuous_aggregate leaves it out of a window (and refuses a window of none).
  const { rows } = await db.query<{ edges: string[] | null }>(
    `WITH w AS (SELECT now() - $1::interval AS lo, now() - $2::interval AS hi, coalesce($4::text, 'UTC') AS tz),
          b AS (SELECT g AT TIME ZONE w.tz AS b FROM w, generate_series(time_bucket($3::interval, w.lo AT TIME ZONE w.tz), w.hi AT TIME ZONE w.tz, $3::interval) AS g)
     SELECT array_agg(e::text ORDER BY e) AS edges
       FROM (SELECT b.b AS e FROM b, w WHERE b.b >= w.lo AND b.b <= w.hi) x`,
    [startOffset, endOffset, agg.width, agg.tz],
  );
  const edges = rows[0]?.edges ?? [];
  const buckets: Array<[string, string]> = [];
  for (let i = 0; i + 1 < edges.length; i++) buckets.push([edges[i]!, edges[i + 1]!]);
  const due = agg.logged && buckets.length > 0 ? await bucketsToRefresh(db, matId, agg.raw, edges) : buckets;
  return due.map(([from, to]) => ({
    kind: 'refresh' as const,
    text: 'CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)',
    params: [agg.view, from, to],
  }));
}

/**
 * The buckets between consecutive `edges` that a refresh would change (see the module header):
 * the invalidation logs and threshold hold the raw hypertable's time as microseconds since the
 * Unix epoch, ranges inclusive at both ends.
 */
async function bucketsToRefresh(db: Db, matId: number, rawId: number, edges: string[]): Promise<Array<[string, string]>> {
  const { rows } = await db.query<{ i: number }>(
    `WITH b AS (SELECT i, (extract(epoch FROM lo) * 1000000)::int8 AS l, (extract(epoch FROM hi) * 1000000)::int8 AS h
                  FROM (SELECT i, e AS lo, lead(e) OVER (ORDER BY i) AS hi FROM unnest($1::timestamptz[]) WITH ORDINALITY AS x(e, i)) x WHERE hi IS NOT NULL),
          t AS (SELECT coalesce((SELECT watermark FROM _timescaledb_catalog.continuous_aggs_invalidation_threshold WHERE hypertable_id = $3), '-9223372036854775808'::int8) AS w)
     SELECT b.i::int AS i FROM b, t
      WHERE b.h > t.w
         OR EXISTS (SELECT 1 FROM _timescaledb_catalog.continuous_aggs_materialization_invalidation_log m
                     WHERE m.materialization_id = $2 AND m.lowest_modified_value < b.h AND m.greatest_modified_value >= b.l)
         OR EXISTS (SELECT 1 FROM _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log r
                     WHERE r.hypertable_id = $3 AND r.lowest_modified_value < b.h AND r.greatest_modified_value >= b.l)
      ORDER BY b.i`,
    [edges, matId, rawId],
  );
  // bucket i (1-based) runs from edges[i - 1] to edges[i]
  return rows.map(({ i }) => [edges[i - 1]!, edges[i]!]);
}

/** One compress_chunk per chunk the policy would compress; the whole job when its config is not the usual one. */
async function compressionSlices(db: Db, job: PolicyJobRow): Promise<JobSlice[]> {
  const compressAfter = asText(job.config?.['compress_after']);
  if (!job.hypertable_name || !job.hypertable_schema || compressAfter === undefined) return wholeJob(job);
  // Chunk status bits (TimescaleDB catalog): 1 compressed, 4 frozen, 8 partially compressed. The
  // limit is read as the policy reads it: a value it cannot read fails the run the same way.
  const { rows } = await db.query<{ chunk: string }>(
    `SELECT format('%I.%I', ch.schema_name, ch.table_name) AS chunk
       FROM show_chunks(format('%I.%I', $1::text, $2::text)::regclass, older_than => now() - $3::interval) AS s(oid)
       JOIN pg_class c ON c.oid = s.oid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN _timescaledb_catalog.chunk ch ON ch.schema_name = n.nspname AND ch.table_name = c.relname
      WHERE NOT ch.dropped AND ch.status & 4 = 0 AND (ch.status & 1 = 0 OR ch.status & 8 = 8)
      ORDER BY ch.id
      LIMIT nullif(coalesce(($4::jsonb->>'maxchunks_to_compress')::int, 0), 0)`,
    [job.hypertable_schema, job.hypertable_name, compressAfter, JSON.stringify(job.config ?? {})],
  );
  const compress = rows.map((r): JobSlice => ({ kind: 'compress', text: 'SELECT compress_chunk($1::regclass, if_not_compressed => true)', params: [r.chunk] }));
  const merges = mergeGroups(await compressedChunks(db, job.hypertable_schema, job.hypertable_name)).map((group): JobSlice => ({
    kind: 'merge',
    text: 'CALL merge_chunks($1::regclass[])',
    params: [group],
  }));
  return [...compress, ...merges];
}

/** The statements that run `job`, each short enough to hold the connection briefly (see the module header). */
export async function jobSlices(db: Db, job: PolicyJobRow): Promise<JobSlice[]> {
  if (job.proc_name === 'policy_refresh_continuous_aggregate') return refreshSlices(db, job);
  if (job.proc_name === 'policy_compression') return compressionSlices(db, job);
  return wholeJob(job);
}
