-- Quantile sketches in the continuous aggregates (issue 20): each hourly, daily and monthly row
-- carries `sketch`, its validated readings over logarithmic buckets (DDSketch,
-- lib/quantile-sketch.ts: relative accuracy 1 %), so a median or a percentile is answered from the
-- aggregates (store/sketches.ts) instead of every raw reading, over any range they serve.
--
-- Each value is a bucket's code, monotone in the value (k = ceil(ln|x| / ln γ), γ = 1.01 / 0.99,
-- the bucket (γ^(k−1), γ^k]):
--   x > 1e-9:    1100 + k     (k ≥ −1036 there: the code is positive)
--   x < −1e-9:  −1100 − k
--   otherwise:   0
-- k is capped at 100000 (an infinite value); NaN has no code. Small codes: fewer digits to send.
-- readings_hourly.sketch: the codes of the hour's readings, ascending (an int4[] of codes, one
--   per reading: an hour holds a few dozen, and counting them in an SQL function for every hourly
--   group cost more than the rest of the refresh for a sparse series; sorted, so that a refresh
--   gives the same array whatever order it reads the rows in).
-- readings_daily.sketch, readings_monthly.sketch: (code, count) pairs, codes ascending.
-- The functions hold no `;`: the migration runner splits statements on a `;` at the end of a line.
CREATE OR REPLACE FUNCTION qt_sketch_code(x float8) RETURNS int4 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN x = 'NaN'::float8 THEN NULL
    WHEN x > 1e-9 THEN 1100 + least(100000, ceil(ln(x) / ln(1.01::float8 / 0.99::float8)))::int4
    WHEN x < -1e-9 THEN -1100 - least(100000, ceil(ln(-x) / ln(1.01::float8 / 0.99::float8)))::int4
    ELSE 0
  END
$$;

-- Codes counted: (code, count) pairs, codes ascending.
CREATE OR REPLACE FUNCTION qt_sketch_count(codes int4[]) RETURNS int4[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(x ORDER BY code, o), '{}'::int4[])
    FROM (SELECT code, count(*)::int4 AS n FROM unnest(codes) code WHERE code IS NOT NULL GROUP BY code) g
    CROSS JOIN LATERAL (VALUES (0, code), (1, n)) v(o, x)
$$;

-- Sketches laid end to end, merged: the counts of equal codes summed.
CREATE OR REPLACE FUNCTION qt_sketch_sum(pairs int4[]) RETURNS int4[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(x ORDER BY code, o), '{}'::int4[])
    FROM (SELECT pairs[2 * i - 1] AS code, sum(pairs[2 * i])::int4 AS n
            FROM generate_series(1, coalesce(array_length(pairs, 1), 0) / 2) i GROUP BY 1) g
    CROSS JOIN LATERAL (VALUES (0, code), (1, n)) v(o, x)
$$;

-- The (code, count) pairs of code lists (readings_hourly's sketches), and of (code, count) pairs.
CREATE OR REPLACE AGGREGATE qt_sketch_of_codes(int4[]) (sfunc = array_cat, stype = int4[], finalfunc = qt_sketch_count, initcond = '{}');

CREATE OR REPLACE AGGREGATE qt_sketch_merge(int4[]) (sfunc = array_cat, stype = int4[], finalfunc = qt_sketch_sum, initcond = '{}');

-- A continuous aggregate's query cannot be altered: they are made again (as in 009 and 010, with
-- the sketch) and refreshed over all history.
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
  array_agg(qt_sketch_code(value) ORDER BY qt_sketch_code(value)) FILTER (WHERE quality = 0 AND (review = 1 OR (review = 0 AND qc = 0)) AND qt_sketch_code(value) IS NOT NULL) AS sketch
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
  qt_sketch_of_codes(sketch) AS sketch
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
  qt_sketch_merge(sketch) AS sketch
FROM readings_daily
GROUP BY station_id, metric, 3
WITH NO DATA;

CALL refresh_continuous_aggregate('readings_hourly', NULL, NULL);

CALL refresh_continuous_aggregate('readings_daily', NULL, NULL);

CALL refresh_continuous_aggregate('readings_monthly', NULL, NULL);
