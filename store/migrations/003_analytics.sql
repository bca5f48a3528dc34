-- Analyst API (issue 5): a daily continuous aggregate on the local calendar, API tokens, and an
-- index for raw paging in time order. Each statement is idempotent and runs on its own.

-- Daily statistics per station and metric on the Vietnamese calendar (a day starts at 00:00+07:00;
-- Vietnam has no daylight saving). Valid-only statistics like readings_hourly, plus the sum of
-- squares (stddev over any range of days) and a count per quality flag for completeness.
-- Real-time aggregation, so today is never missing.
CREATE MATERIALIZED VIEW IF NOT EXISTS readings_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT
  station_id,
  metric,
  time_bucket(INTERVAL '1 day', ts, 'Asia/Ho_Chi_Minh') AS bucket,
  avg(value) FILTER (WHERE quality = 0) AS avg,
  min(value) FILTER (WHERE quality = 0) AS min,
  max(value) FILTER (WHERE quality = 0) AS max,
  sum(value) FILTER (WHERE quality = 0) AS sum,
  sum(value * value) FILTER (WHERE quality = 0) AS sum_sq,
  count(*) FILTER (WHERE quality = 0) AS n_valid,
  count(*) FILTER (WHERE quality = 1) AS n_calibrating,
  count(*) FILTER (WHERE quality = 2) AS n_fault,
  count(*) FILTER (WHERE quality = 3) AS n_out_of_range,
  count(*) FILTER (WHERE quality = 4) AS n_maintenance,
  count(*) AS n_total
FROM readings
GROUP BY station_id, metric, bucket
WITH NO DATA;

-- Raw readings of one station in time order across its metrics (cursor paging on (ts, metric),
-- exports): the primary key is (station_id, metric, ts) and cannot serve that order.
CREATE INDEX IF NOT EXISTS readings_station_ts ON readings (station_id, ts);

-- Analysts' API tokens: `qtk_<id>_<secret>`; only an HMAC-SHA256 of the secret is stored.
CREATE TABLE IF NOT EXISTS api_tokens (
  id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
  username text NOT NULL,
  name text NOT NULL,
  secret_hash text NOT NULL,
  scope text NOT NULL DEFAULT 'read' CHECK (scope IN ('read')),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz
);

CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens (username, created_at DESC);
