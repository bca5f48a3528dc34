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
 * - compression: the chunks the policy would compress (older than compress_after, not compressed
 *   or partially compressed, at most maxchunks_to_compress), one `compress_chunk` each.
 * - anything else (retention's drop_chunks is quick), or a job whose config or aggregate is not
 *   of a shape known here: the job itself, `CALL run_job(id)`.
 */
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
  text: string;
  params: unknown[];
}

const asText = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The whole job as one statement (what the runner did for every job before issue 20). */
function wholeJob(job: PolicyJobRow): JobSlice[] {
  return [{ text: 'CALL run_job($1)', params: [job.job_id] }];
}

/** One refresh per bucket of the policy's window; the whole job when the aggregate's buckets are not plain. */
async function refreshSlices(db: Db, job: PolicyJobRow): Promise<JobSlice[]> {
  const matId = job.config?.['mat_hypertable_id'];
  const startOffset = asText(job.config?.['start_offset']);
  const endOffset = asText(job.config?.['end_offset']);
  if (typeof matId !== 'number' || startOffset === undefined || endOffset === undefined) return wholeJob(job);
  const { rows: aggs } = await db.query<{ view: string; width: string; tz: string | null; plain: boolean }>(
    `SELECT format('%I.%I', a.user_view_schema, a.user_view_name) AS view, f.bucket_width AS width, f.bucket_timezone AS tz,
            (f.bucket_origin IS NULL AND f.bucket_offset IS NULL) AS plain
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
  const slices: JobSlice[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    slices.push({ text: 'CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)', params: [agg.view, edges[i], edges[i + 1]] });
  }
  return slices;
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
  return rows.map((r) => ({ text: 'SELECT compress_chunk($1::regclass, if_not_compressed => true)', params: [r.chunk] }));
}

/** The statements that run `job`, each short enough to hold the connection briefly (see the module header). */
export async function jobSlices(db: Db, job: PolicyJobRow): Promise<JobSlice[]> {
  if (job.proc_name === 'policy_refresh_continuous_aggregate') return refreshSlices(db, job);
  if (job.proc_name === 'policy_compression') return compressionSlices(db, job);
  return wholeJob(job);
}
