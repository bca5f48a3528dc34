-- Monthly statistics (issue 20): readings_monthly, built on readings_daily (a hierarchical
-- continuous aggregate) so that a month's answer reads one row per series instead of 28–31 daily
-- rows (or every raw reading). The months of the Vietnamese calendar, like readings_daily's days
-- (a month starts at the 1st, 00:00+07:00; Vietnam has no daylight saving). The same columns as
-- readings_daily: valid-only statistics (sum, sum of squares, min, max, avg) and a count per
-- quality flag and validation state. Real-time aggregation, so the month in progress is never
-- missing. Refresh readings_hourly, then readings_daily, then this one. Idempotent.
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
  sum(n_total)::int8 AS n_total
FROM readings_daily
GROUP BY station_id, metric, 3
WITH NO DATA;

CALL refresh_continuous_aggregate('readings_monthly', NULL, NULL);
