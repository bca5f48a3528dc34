-- Data validation (issue 18). Each statement is idempotent and runs on its own.
--
-- The raw value and the station's own quality flag (`quality`) are never changed. Two columns
-- carry validation (domain/validation.ts):
--   qc      bitmask of the automatic checks that flagged the reading (0 = none)
--   review  a reviewer's decision: 0 none, 1 restored (valid whatever the checks said),
--           10 + reason index = invalidated with that reason
-- A reading counts in validated statistics when
--   quality = 0 AND (review = 1 OR (review = 0 AND qc = 0))
ALTER TABLE readings ADD COLUMN IF NOT EXISTS qc smallint NOT NULL DEFAULT 0;

ALTER TABLE readings ADD COLUMN IF NOT EXISTS review smallint NOT NULL DEFAULT 0;

-- Which check flagged which reading, with the check's version and what it saw.
CREATE TABLE IF NOT EXISTS qc_flags (
  station_id text NOT NULL,
  metric text NOT NULL,
  ts timestamptz NOT NULL,
  check_code text NOT NULL,
  check_version integer NOT NULL,
  detail jsonb,
  flagged_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, metric, ts, check_code)
);

CREATE INDEX IF NOT EXISTS qc_flags_station_ts ON qc_flags (station_id, ts);

-- Calibration and maintenance windows an operator schedules ahead (metrics NULL = all).
CREATE TABLE IF NOT EXISTS qc_windows (
  id bigserial PRIMARY KEY,
  station_id text NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
  metrics text[],
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
  kind text NOT NULL CHECK (kind IN ('calibration', 'maintenance')),
  comment text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  cancelled_at timestamptz,
  cancelled_by text
);

CREATE INDEX IF NOT EXISTS qc_windows_station ON qc_windows (station_id, starts_at);

-- The check configuration as data: 'default', 'profile:<id>' or 'station:<id>'; a station's
-- effective configuration is default < profile < station, merged per check.
CREATE TABLE IF NOT EXISTS qc_config (
  scope text PRIMARY KEY CHECK (scope = 'default' OR scope LIKE 'profile:%' OR scope LIKE 'station:%'),
  config jsonb NOT NULL,
  version integer NOT NULL DEFAULT 1,
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every reviewer action, never deleted: an undo is another action (`undoes`). `before` keeps the
-- review state of the rows that were not 0 before (to undo exactly), `after` the counts after.
CREATE TABLE IF NOT EXISTS validation_actions (
  id bigserial PRIMARY KEY,
  station_id text NOT NULL,
  action text NOT NULL CHECK (action IN ('invalidate', 'restore', 'undo')),
  metrics text[] NOT NULL,
  from_ts timestamptz NOT NULL,
  to_ts timestamptz NOT NULL CHECK (to_ts > from_ts),
  reason text,
  comment text,
  username text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  undoes bigint REFERENCES validation_actions (id),
  undone_by bigint REFERENCES validation_actions (id),
  rows_affected integer NOT NULL DEFAULT 0,
  before jsonb NOT NULL DEFAULT '{}',
  after jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX IF NOT EXISTS validation_actions_station ON validation_actions (station_id, at DESC);

-- Approvals of a station's day or month: level 1 reviewed, level 2 approved by a second person.
-- A later flag change inside the period revokes them (revoked_at, revoked_by, revoked_reason).
CREATE TABLE IF NOT EXISTS validation_approvals (
  id bigserial PRIMARY KEY,
  station_id text NOT NULL,
  period_kind text NOT NULL CHECK (period_kind IN ('day', 'month')),
  period_start date NOT NULL,
  level smallint NOT NULL CHECK (level IN (1, 2)),
  username text NOT NULL,
  comment text,
  at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  revoked_by text,
  revoked_reason text
);

CREATE UNIQUE INDEX IF NOT EXISTS validation_approvals_current ON validation_approvals (station_id, period_kind, period_start, level) WHERE revoked_at IS NULL;

CREATE INDEX IF NOT EXISTS validation_approvals_station ON validation_approvals (station_id, period_start);

-- The reviewer role, between operator and admin.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check;

ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('viewer', 'operator', 'reviewer', 'admin'));

-- Bulletins keep every version: a revision (after a validation change) is a new row, the old one
-- is marked superseded and stays listed.
ALTER TABLE bulletins ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1;

ALTER TABLE bulletins ADD COLUMN IF NOT EXISTS superseded_at timestamptz;

ALTER TABLE bulletins ADD COLUMN IF NOT EXISTS revision_reason text;

ALTER TABLE bulletins DROP CONSTRAINT IF EXISTS bulletins_kind_period_start_scope_key;

CREATE UNIQUE INDEX IF NOT EXISTS bulletins_version ON bulletins (kind, period_start, scope, version);

CREATE UNIQUE INDEX IF NOT EXISTS bulletins_current ON bulletins (kind, period_start, scope) WHERE superseded_at IS NULL;

-- The continuous aggregates count validated readings only (the predicate above) and say how many
-- were flagged by a check (not yet reviewed) and invalidated by a reviewer. A continuous
-- aggregate's query cannot be altered: they are made again and refreshed over all history.
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
  count(*) AS n_total
FROM readings
GROUP BY station_id, metric, bucket
WITH NO DATA;

-- readings_daily is built on readings_hourly (a hierarchical continuous aggregate): refreshing a
-- day reads its 24 hourly rows per series instead of every raw reading again (the local day of
-- Vietnam, UTC+7, is made of whole UTC hours). Refresh readings_hourly first, then this one.
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
  sum(n_total)::int8 AS n_total
FROM readings_hourly
GROUP BY station_id, metric, 3
WITH NO DATA;

CALL refresh_continuous_aggregate('readings_hourly', NULL, NULL);

CALL refresh_continuous_aggregate('readings_daily', NULL, NULL);
