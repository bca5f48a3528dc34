-- Each row of the continuous aggregates carries `packed` (issue 20): its figures as the analyst
-- API reads them (store/aggregates.ts, `storedRows`), made once when the bucket is materialized
-- instead of at every answer. An answer of 24,000 hourly rows spent most of its time in the
-- database making these bytes (float8send and int8send of each value, concatenated, row by row):
-- 60 ms against 34 read as stored (bench/tmp measurement, 2026-12-06; see README, Performance).
--
-- packed, big-endian, 48 bytes (64 when a rare count is not 0):
--   float8  the bucket's start, seconds since the epoch
--   float8  sum, sum_sq, min, max of the validated readings (NaN for NULL: none)
--   int8    n_valid << 32 | n_calibrating; when n_flagged, n_invalidated, n_fault or n_maintenance
--           is not 0, n_valid is written as −1 − n_valid and two more int8 follow:
--           n_flagged << 32 | n_invalidated, n_fault << 32 | n_maintenance
-- Each count goes through int4 first: a count past int4 is an error, never a wrapped value.
-- The function holds no `;` at a line's end: the migration runner splits statements there.
CREATE OR REPLACE FUNCTION qt_pack_row(b timestamptz, s float8, sq float8, mn float8, mx float8, nv int8, nc int8, nfl int8, ninv int8, nf int8, nm int8)
RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT float8send(date_part('epoch', b - '1970-01-01T00:00:00Z'::timestamptz))
    || float8send(coalesce(s, 'NaN')) || float8send(coalesce(sq, 'NaN')) || float8send(coalesce(mn, 'NaN')) || float8send(coalesce(mx, 'NaN'))
    || CASE WHEN (coalesce(nfl::int4, 0) | coalesce(ninv::int4, 0) | coalesce(nf::int4, 0) | coalesce(nm::int4, 0)) <> 0
         THEN int8send(((-1 - coalesce(nv::int4, 0)::int8) << 32) | coalesce(nc::int4, 0)::int8)
           || int8send((coalesce(nfl::int4, 0)::int8 << 32) | coalesce(ninv::int4, 0)::int8)
           || int8send((coalesce(nf::int4, 0)::int8 << 32) | coalesce(nm::int4, 0)::int8)
         ELSE int8send((coalesce(nv::int4, 0)::int8 << 32) | coalesce(nc::int4, 0)::int8)
       END
$$;

-- A continuous aggregate's query cannot be altered: they are made again (as in 011, with `packed`)
-- and refreshed over all history.
DROP MATERIALIZED VIEW IF EXISTS readings_monthly;

DROP MATERIALIZED VIEW IF EXISTS readings_daily;

DROP MATERIALIZED VIEW IF EXISTS readings_hourly;

CREATE MATERIALIZED VIEW IF NOT EXISTS readings_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT
  station_id,
  metric,
  time_bucket(INTERVAL '1 hour', ts) AS bucket,
  avg(value) FILTER (WHERE quality = 0 AND (review = 1 OR (review = 0 AND qc = 0))) AS avg,
  min(value) FILTER (WHERE quality = 0 AND (review = 1 OR (review = 0 AND qc = 0))) AS min,
  max(value) FILTER (WHERE quality = 0 AND (review = 1 OR (review = 0 AND qc = 0))) AS max,
  sum(value) FILTER (WHERE quality = 0 AND (review = 1 OR (review = 0 AND qc = 0))) AS sum,
  sum(value * value) FILTER (WHERE quality = 0 AND (review = 1 OR (review = 0 AND qc = 0))) AS sum_sq,
  count(*) FILTER (WHERE quality = 0 AND (review = 1 OR (review = 0 AND qc = 0))) AS n_valid,
  count(*) FILTER (WHERE quality = 1) AS n_calibrating,
  count(*) FILTER (WHERE quality = 2) AS n_fault,
  count(*) FILTER (WHERE quality = 3) AS n_out_of_range,
  count(*) FILTER (WHERE quality = 4) AS n_maintenance,
  count(*) FILTER (WHERE quality = 0 AND review = 0 AND qc <> 0) AS n_flagged,
  count(*) FILTER (WHERE review >= 10) AS n_invalidated,
  count(*) AS n_total,
  array_agg(qt_sketch_code(value) ORDER BY qt_sketch_code(value)) FILTER (WHERE quality = 0 AND (review = 1 OR (review = 0 AND qc = 0)) AND qt_sketch_code(value) IS NOT NULL) AS sketch,
  qt_pack_row(
    time_bucket(INTERVAL '1 hour', ts),
    sum(value) FILTER (WHERE quality = 0 AND (review = 1 OR (review = 0 AND qc = 0))),
    sum(value * value) FILTER (WHERE quality = 0 AND (review = 1 OR (review = 0 AND qc = 0))),
    min(value) FILTER (WHERE quality = 0 AND (review = 1 OR (review = 0 AND qc = 0))),
    max(value) FILTER (WHERE quality = 0 AND (review = 1 OR (review = 0 AND qc = 0))),
    count(*) FILTER (WHERE quality = 0 AND (review = 1 OR (review = 0 AND qc = 0))),
    count(*) FILTER (WHERE quality = 1),
    count(*) FILTER (WHERE quality = 0 AND review = 0 AND qc <> 0),
    count(*) FILTER (WHERE review >= 10),
    count(*) FILTER (WHERE quality = 2),
    count(*) FILTER (WHERE quality = 4)
  ) AS packed
FROM readings
GROUP BY station_id, metric, bucket
WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS readings_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT
  station_id,
  metric,
  time_bucket(INTERVAL '1 day', bucket, 'Asia/Ho_Chi_Minh') AS bucket,
  sum(sum) / NULLIF(sum(n_valid), 0) AS avg,
  min(min) AS min,
  max(max) AS max,
  sum(sum) AS sum,
  sum(sum_sq) AS sum_sq,
  sum(n_valid)::int8 AS n_valid,
  sum(n_calibrating)::int8 AS n_calibrating,
  sum(n_fault)::int8 AS n_fault,
  sum(n_out_of_range)::int8 AS n_out_of_range,
  sum(n_maintenance)::int8 AS n_maintenance,
  sum(n_flagged)::int8 AS n_flagged,
  sum(n_invalidated)::int8 AS n_invalidated,
  sum(n_total)::int8 AS n_total,
  qt_sketch_of_codes(sketch) AS sketch,
  qt_pack_row(
    time_bucket(INTERVAL '1 day', bucket, 'Asia/Ho_Chi_Minh'),
    sum(sum),
    sum(sum_sq),
    min(min),
    max(max),
    sum(n_valid)::int8,
    sum(n_calibrating)::int8,
    sum(n_flagged)::int8,
    sum(n_invalidated)::int8,
    sum(n_fault)::int8,
    sum(n_maintenance)::int8
  ) AS packed
FROM readings_hourly
GROUP BY station_id, metric, 3
WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS readings_monthly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT
  station_id,
  metric,
  time_bucket(INTERVAL '1 month', bucket, 'Asia/Ho_Chi_Minh') AS bucket,
  sum(sum) / NULLIF(sum(n_valid), 0) AS avg,
  min(min) AS min,
  max(max) AS max,
  sum(sum) AS sum,
  sum(sum_sq) AS sum_sq,
  sum(n_valid)::int8 AS n_valid,
  sum(n_calibrating)::int8 AS n_calibrating,
  sum(n_fault)::int8 AS n_fault,
  sum(n_out_of_range)::int8 AS n_out_of_range,
  sum(n_maintenance)::int8 AS n_maintenance,
  sum(n_flagged)::int8 AS n_flagged,
  sum(n_invalidated)::int8 AS n_invalidated,
  sum(n_total)::int8 AS n_total,
  qt_sketch_merge(sketch) AS sketch,
  qt_pack_row(
    time_bucket(INTERVAL '1 month', bucket, 'Asia/Ho_Chi_Minh'),
    sum(sum),
    sum(sum_sq),
    min(min),
    max(max),
    sum(n_valid)::int8,
    sum(n_calibrating)::int8,
    sum(n_flagged)::int8,
    sum(n_invalidated)::int8,
    sum(n_fault)::int8,
    sum(n_maintenance)::int8
  ) AS packed
FROM readings_daily
GROUP BY station_id, metric, 3
WITH NO DATA;

CALL refresh_continuous_aggregate('readings_hourly', NULL, NULL);

CALL refresh_continuous_aggregate('readings_daily', NULL, NULL);

CALL refresh_continuous_aggregate('readings_monthly', NULL, NULL);
