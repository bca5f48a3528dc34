/**
 * @module store/chunk-plan
 * The size of `readings`' chunks on the embedded database (issue 20). compress_chunk compresses
 * a whole chunk in one statement and nothing can cut it, so on the embedded database's one
 * connection every ingest commit waits for all of it. Measured here (2026-12-04, AMD EPYC,
 * `compress_chunk` at about 2.2–2.5 µs a row): 1.3 s for an hour of an agency's fleet (1,000
 * stations × 10 metrics a minute, 600,000 rows), 36.5 s for a day of it (14.4 M rows), so about
 * 4 minutes for the 7-day chunk of migration 001 (extrapolated), longer than a station's silence
 * alarm (3 × its interval).
 *
 * So on the embedded database:
 * - new chunks are sized to the rate readings arrive at (`chunkIntervalFor`): about RAW_CHUNK_ROWS
 *   each, between MIN_CHUNK_MS and MAX_CHUNK_MS, checked at start and then once an hour by the job
 *   runner (store/job-runner.ts); a day while the database is empty (EMPTY_CHUNK_MS); narrowed
 *   to a history being loaded for past times when it is denser (historyDensity);
 * - chunks once compressed are merged (`merge_chunks`, TimescaleDB ≥ 2.18), so the count of chunks
 *   stays near the old one: consecutive compressed chunks inside one 7-day window, at most
 *   MERGE_MAX_ROWS in all (`mergeGroups`). Merging moves compressed batches without compressing
 *   again: 4 compressed hour-chunks of 600,000 rows merged in 404 ms, 12 half-hour chunks of an
 *   agency's fleet (3.6 M rows) in 1,229 ms (`bench/compression-slices.ts`), so a merge of
 *   MERGE_MAX_ROWS about 2 s; a small chunk merged into a large one costs about as much per row
 *   of the large one. merge_chunks
 *   leaves the merged chunk marked partially compressed, with nothing uncompressed in it: the
 *   next compression run's compress_chunk clears the mark (3 ms for 360,000 rows), and the run
 *   after may merge it again.
 * - the chunk readings arrive in (the one holding now) is split when the rate outgrew it
 *   (`narrowOpenChunk`): a new interval applies only to chunks created after it, so a fresh
 *   install's first chunk (EMPTY_CHUNK_MS) or a pilot's 7-day chunk would go on taking a whole
 *   day or week of the fleet, and its compress_chunk would hold the connection for 36 s or
 *   minutes. `split_chunk` rewrites every row of the chunk (about 5 µs a row here: 281 ms for
 *   60,000 rows, 1.5 s for 300,000), so the runner checks often while it is young
 *   (store/job-runner.ts) and the split comes while the chunk holds minutes of readings; the empty
 *   part past the split is dropped, and readings that come later create chunks of the new interval.
 * A TimescaleDB server compresses in its own background workers, on their own connections:
 * its chunks are left as the operator sizes them.
 */
import type { Db } from './db.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Rows a new chunk should hold: its compress_chunk holds the connection about 0.7 s here. */
export const RAW_CHUNK_ROWS = 300_000;
/** Intervals a chunk may have, each a divisor of the next window (chunks stay aligned to it). */
export const CHUNK_STEPS_MS = [15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 7 * DAY] as const;
export const MIN_CHUNK_MS = CHUNK_STEPS_MS[0];
/** migration 001's interval: never larger than it */
export const MAX_CHUNK_MS = 7 * DAY;
/**
 * The interval of an empty database's first chunks (a fresh install): its first readings come
 * before their rate can be measured, and a first chunk of 7 days would hold days of an agency's
 * fleet. A history loaded into a fresh database starts in chunks of a day; the next check narrows
 * the interval to its density (historyDensity).
 */
export const EMPTY_CHUNK_MS = DAY;
/** At most this many rows in one merged chunk: one merge holds the connection about 2 s here. */
export const MERGE_MAX_ROWS = 6_000_000;
/** Chunks are merged only inside one window of this width (aligned as TimescaleDB aligns 7-day chunks: from the Unix epoch). */
export const MERGE_WINDOW_MS = 7 * DAY;
/** The window the arrival rate is measured over. */
export const RATE_WINDOW_MS = 30 * MINUTE;

/** A chunk may hold this much more than RAW_CHUNK_ROWS: a rate a few percent over it does not halve the interval. */
const ROWS_TOLERANCE = 1.25;

/** The chunk interval for readings arriving at `rowsPerHour`: the largest step holding about RAW_CHUNK_ROWS (ROWS_TOLERANCE), at least MIN_CHUNK_MS. */
export function chunkIntervalFor(rowsPerHour: number): number {
  if (!(rowsPerHour > 0)) return MAX_CHUNK_MS;
  const ms = ((RAW_CHUNK_ROWS * ROWS_TOLERANCE) / rowsPerHour) * HOUR;
  let best: number = MIN_CHUNK_MS;
  for (const step of CHUNK_STEPS_MS) if (step <= ms) best = step;
  return Math.min(best, MAX_CHUNK_MS);
}

/** A compressed chunk as the merge plan sees it. */
export interface CompressedChunk {
  /** schema-qualified, quoted */
  chunk: string;
  /** range, ms since the epoch */
  start: number;
  end: number;
  /** rows it held before compression */
  rows: number;
}

/**
 * The merges to make: runs of chunks that touch (one's end is the next one's start), inside one
 * MERGE_WINDOW_MS window, at most MERGE_MAX_ROWS in all; only runs of two or more. `chunks` in any order.
 */
export function mergeGroups(chunks: readonly CompressedChunk[], maxRows = MERGE_MAX_ROWS): string[][] {
  const sorted = [...chunks].sort((a, b) => a.start - b.start);
  const groups: string[][] = [];
  let run: CompressedChunk[] = [];
  let rows = 0;
  const close = () => {
    if (run.length > 1) groups.push(run.map((c) => c.chunk));
    run = [];
    rows = 0;
  };
  for (const c of sorted) {
    const last = run[run.length - 1];
    const window = Math.floor(c.start / MERGE_WINDOW_MS);
    const fits =
      last !== undefined &&
      last.end === c.start &&
      Math.floor((c.end - 1) / MERGE_WINDOW_MS) === window &&
      Math.floor(run[0]!.start / MERGE_WINDOW_MS) === window &&
      rows + c.rows <= maxRows;
    if (!fits) close();
    run.push(c);
    rows += c.rows;
  }
  close();
  return groups;
}

/**
 * Rows per hour of readings' time lately: the readings of the last RATE_WINDOW_MS (by their
 * time, one index-only count) over the time since the first of them (at least a minute), so a
 * fleet that started minutes ago is measured at its rate. `empty`: readings holds no row at all.
 * A history loaded for past times does not count: it is not what the chunks of now will hold.
 */
export async function arrivalRate(db: Db): Promise<{ rowsPerHour: number; empty: boolean }> {
  const { rows } = await db.query<{ n: string; span_s: number | null; any: boolean }>(
    `SELECT count(*) AS n, extract(epoch FROM now() - min(ts))::float8 AS span_s, EXISTS (SELECT 1 FROM readings) AS any
       FROM readings WHERE ts > now() - make_interval(secs => $1::float8) AND ts <= now()`,
    [RATE_WINDOW_MS / 1000],
  );
  const n = Number(rows[0]?.n ?? 0);
  const spanMs = Math.max(MINUTE, Math.min(RATE_WINDOW_MS, (rows[0]?.span_s ?? 0) * 1000));
  return { rowsPerHour: n === 0 ? 0 : (n / spanMs) * HOUR, empty: rows[0]?.any !== true };
}

/** readings' chunk interval now, ms. */
export async function currentChunkInterval(db: Db): Promise<number> {
  const { rows } = await db.query<{ us: string }>(
    `SELECT d.interval_length AS us FROM _timescaledb_catalog.dimension d JOIN _timescaledb_catalog.hypertable h ON h.id = d.hypertable_id
      WHERE h.schema_name = 'public' AND h.table_name = 'readings' AND d.interval_length IS NOT NULL ORDER BY d.id LIMIT 1`,
  );
  return Number(rows[0]?.us ?? 0) / 1000;
}

/** A hypertable's chunks (`ch`, of hypertable `h`) with their time range (`s`, microseconds since the epoch) from TimescaleDB's catalog. */
const CHUNK_RANGES = `_timescaledb_catalog.chunk ch
       JOIN _timescaledb_catalog.hypertable h ON h.id = ch.hypertable_id
       JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = ch.id AND cc.dimension_slice_id IS NOT NULL
       JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id`;
/**
 * Rows in relation `c` (pg_class) as the statistics know them without counting: rows inserted less
 * rows deleted in this worker's life (this transaction's too), or the last ANALYZE's estimate.
 */
const ROW_ESTIMATE = `greatest(c.reltuples, pg_stat_get_tuples_inserted(c.oid) + pg_stat_get_xact_tuples_inserted(c.oid)
                                 - pg_stat_get_tuples_deleted(c.oid) - pg_stat_get_xact_tuples_deleted(c.oid))`;
/** Its chunk's quoted name and range (`chunk`, `start_us`, `end_us`). */
const CHUNK_COLUMNS = `format('%I.%I', ch.schema_name, ch.table_name) AS chunk, s.range_start AS start_us, s.range_end AS end_us`;

/**
 * Rows per hour of readings' time in the densest uncompressed chunk wholly in the past: a history
 * being loaded (a station's archive, a migration through the ingest API) fills chunks that the
 * arrival rate of now does not see. Rows from the statistics (inserted less deleted in this worker's
 * life, or the last ANALYZE), over the chunk's whole width; 0 when there is none. Chunks of live
 * readings waiting for compression are as dense as the rate they came at, so they change nothing.
 */
export async function historyDensity(db: Db): Promise<number> {
  const { rows } = await db.query<{ per_hour: number | null }>(
    `SELECT max(${ROW_ESTIMATE} / ((s.range_end - s.range_start) / 3.6e9))::float8 AS per_hour
       FROM ${CHUNK_RANGES}
       JOIN pg_class c ON c.relname = ch.table_name AND c.relnamespace = ch.schema_name::regnamespace
      WHERE h.schema_name = 'public' AND h.table_name = 'readings' AND NOT ch.dropped AND ch.status = 0
        AND s.range_end <= (extract(epoch FROM now()) * 1e6)::int8`,
  );
  return Math.max(0, rows[0]?.per_hour ?? 0);
}

/**
 * Sets readings' interval for new chunks from the arrival rate, narrowed to a history's density
 * when that needs smaller chunks (historyDensity). EMPTY_CHUNK_MS while readings is empty; from the
 * rate unchanged while no reading of the last RATE_WINDOW_MS is there (nothing says what is coming).
 * Returns it, the one before, and both rates.
 */
export async function sizeChunks(db: Db): Promise<{ rowsPerHour: number; historyRowsPerHour: number; before: number; after: number }> {
  const { rowsPerHour, empty } = await arrivalRate(db);
  const historyRowsPerHour = empty ? 0 : await historyDensity(db);
  const before = await currentChunkInterval(db);
  const live = rowsPerHour > 0 ? chunkIntervalFor(rowsPerHour) : before;
  // a history only ever narrows the interval: a sparse one says nothing about what is coming
  const after = empty ? EMPTY_CHUNK_MS : historyRowsPerHour > 0 ? Math.min(live, chunkIntervalFor(historyRowsPerHour)) : live;
  if (before !== after) await db.query(`SELECT set_chunk_time_interval('readings', make_interval(secs => $1::float8))`, [after / 1000]);
  return { rowsPerHour, historyRowsPerHour, before, after };
}

/** The compressed chunks of a hypertable (fully compressed: not partial, not frozen) with their ranges and rows. */
export async function compressedChunks(db: Db, schema: string, table: string): Promise<CompressedChunk[]> {
  // status bits: 1 compressed, 4 frozen, 8 partially compressed
  const { rows } = await db.query<{ chunk: string; start_us: string; end_us: string; rows: string }>(
    `SELECT ${CHUNK_COLUMNS}, z.numrows_pre_compression AS rows
       FROM ${CHUNK_RANGES}
       JOIN _timescaledb_catalog.compression_chunk_size z ON z.chunk_id = ch.id
      WHERE h.schema_name = $1 AND h.table_name = $2 AND NOT ch.dropped AND ch.status & 1 = 1 AND ch.status & 12 = 0`,
    [schema, table],
  );
  return rows.map((r) => ({ chunk: r.chunk, start: Number(r.start_us) / 1000, end: Number(r.end_us) / 1000, rows: Number(r.rows) }));
}

/** The chunk readings arrive in: the uncompressed one whose range holds now, with its newest reading. */
export interface OpenChunk {
  /** schema-qualified, quoted */
  chunk: string;
  /** range, ms since the epoch */
  start: number;
  end: number;
  /** its newest reading's time (a station's clock may run ahead of ours), ms; null while it is empty */
  newest: number | null;
  /** the database's now, ms */
  now: number;
}

export async function openChunk(db: Db): Promise<OpenChunk | undefined> {
  const { rows } = await db.query<{ chunk: string; start_us: string; end_us: string; now_us: string }>(
    `SELECT ${CHUNK_COLUMNS}, (extract(epoch FROM now()) * 1e6)::int8 AS now_us
       FROM ${CHUNK_RANGES}
      WHERE h.schema_name = 'public' AND h.table_name = 'readings' AND NOT ch.dropped AND ch.status = 0
        AND s.range_start <= (extract(epoch FROM now()) * 1e6)::int8 AND s.range_end > (extract(epoch FROM now()) * 1e6)::int8`,
  );
  const row = rows[0];
  if (!row) return undefined;
  // the chunk's name comes from the catalog, quoted by format(%I)
  const { rows: newest } = await db.query<{ us: string | null }>(`SELECT (extract(epoch FROM max(ts)) * 1e6)::int8 AS us FROM ${row.chunk}`);
  const us = newest[0]?.us;
  return { chunk: row.chunk, start: Number(row.start_us) / 1000, end: Number(row.end_us) / 1000, newest: us == null ? null : Number(us) / 1000, now: Number(row.now_us) / 1000 };
}

/**
 * Where to split an open chunk too wide for `intervalMs`: the first multiple of intervalMs (from
 * the epoch, where TimescaleDB aligns new chunks) past both now and its newest reading, so the
 * part past it is empty. Undefined when that part would be no wider than intervalMs.
 */
export function splitPoint(open: OpenChunk, intervalMs: number): number | undefined {
  const after = Math.max(open.now, open.newest ?? open.now);
  const at = (Math.floor(after / intervalMs) + 1) * intervalMs;
  return at > open.start && open.end - at > intervalMs ? at : undefined;
}

/**
 * The most rows a chunk is split with: the split rewrites them all (about 5 s for these). A larger
 * one (a database upgraded from 7-day chunks, a rate that jumped and went unseen for hours) is left
 * whole: one long compression a week later rather than a long split now.
 */
export const MAX_SPLIT_ROWS = 1_000_000;

/** What narrowOpenChunk did. */
export interface Narrowing {
  chunk: string;
  /** where it was split, ms since the epoch */
  at: number;
  /** the chunk's end before */
  end: number;
  /** the empty part past the split was dropped (false: a reading came into it meanwhile; it stays) */
  dropped: boolean;
  /** how long the split took, ms */
  splitMs: number;
  /** rows in the chunk (counted up to maxRows + 1; the statistics' estimate when that is over maxRows) */
  rows: number;
  /** not split: it holds more than maxRows (MAX_SPLIT_ROWS) */
  tooLarge: boolean;
}

/**
 * Splits the chunk readings arrive in when it is wider than `intervalMs` past now (see the module
 * header), and drops the part past the split if it is still empty: checked and dropped in one
 * statement, so nothing written between the split and the drop is lost.
 */
export async function narrowOpenChunk(db: Db, intervalMs: number, options: { maxRows?: number; tooLarge?: ReadonlySet<string> } = {}): Promise<Narrowing | undefined> {
  const maxRows = options.maxRows ?? MAX_SPLIT_ROWS;
  const open = await openChunk(db);
  // one found too large before is not counted again
  if (!open || options.tooLarge?.has(open.chunk)) return undefined;
  const at = splitPoint(open, intervalMs);
  if (at === undefined) return undefined;
  // what the statistics already know (rows inserted less rows deleted, this worker's life, or the
  // last ANALYZE) spares counting a chunk plainly too large: a count of a million rows holds the
  // connection too
  const { rows: known } = await db.query<{ n: string }>(
    `SELECT (${ROW_ESTIMATE})::int8 AS n
       FROM pg_class c WHERE c.oid = $1::regclass`,
    [open.chunk],
  );
  const estimate = Number(known[0]?.n ?? 0);
  const n =
    estimate > maxRows ? estimate : Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM (SELECT FROM ${open.chunk} LIMIT $1) x`, [maxRows + 1])).rows[0]?.n ?? 0);
  if (n > maxRows) return { chunk: open.chunk, at, end: open.end, dropped: false, splitMs: 0, rows: n, tooLarge: true };
  const t0 = performance.now();
  await db.query(`CALL split_chunk($1::regclass, to_timestamp($2::float8 / 1000))`, [open.chunk, at]);
  const splitMs = performance.now() - t0;
  const { rows } = await db.query<{ chunk: string }>(
    `SELECT ${CHUNK_COLUMNS} FROM ${CHUNK_RANGES}
      WHERE h.schema_name = 'public' AND h.table_name = 'readings' AND NOT ch.dropped AND s.range_start = $1::int8`,
    [Math.round(at * 1000)],
  );
  const past = rows[0]?.chunk;
  let dropped = false;
  if (past) {
    // the name comes from the catalog, quoted by format(%I); one statement, so no commit comes between the check and the drop
    await db.query(`DO $narrow$ BEGIN
      LOCK TABLE ${past} IN ACCESS EXCLUSIVE MODE;
      IF NOT EXISTS (SELECT 1 FROM ${past}) THEN DROP TABLE ${past}; END IF;
    END $narrow$`);
    const { rows: left } = await db.query(`SELECT 1 FROM pg_class WHERE oid = to_regclass($1)`, [past]);
    dropped = left.length === 0;
  }
  return { chunk: open.chunk, at, end: open.end, dropped, splitMs, rows: n, tooLarge: false };
}
