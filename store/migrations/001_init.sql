-- Quantrac schema, version 1. Each statement is idempotent and runs on its own (continuous
-- aggregates cannot be created inside a transaction block).
CREATE EXTENSION IF NOT EXISTS timescaledb;

CREATE TABLE IF NOT EXISTS settings (
  key text PRIMARY KEY,
  value text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS device_profiles (
  id text PRIMARY KEY,
  version integer NOT NULL,
  definition jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS stations (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name text NOT NULL,
  profile_id text NOT NULL REFERENCES device_profiles (id),
  lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lon double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  province text,
  timezone text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
  enabled boolean NOT NULL DEFAULT true,
  simulated boolean NOT NULL DEFAULT false,
  connection_state text NOT NULL DEFAULT 'unknown' CHECK (connection_state IN ('unknown', 'online', 'offline')),
  connection_changed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS station_credentials (
  station_id text PRIMARY KEY REFERENCES stations (id) ON DELETE CASCADE,
  secret_hash text NOT NULL,
  rotated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS users (
  id bigserial PRIMARY KEY,
  username text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per (station, metric, time): a redelivered QoS 1 duplicate or a file sent twice
-- stores nothing twice (INSERT ... ON CONFLICT DO NOTHING; the first write wins).
-- quality: 0 valid, 1 calibrating, 2 fault, 3 out_of_range, 4 maintenance (ingest/quality.ts).
CREATE TABLE IF NOT EXISTS readings (
  station_id text NOT NULL,
  metric text NOT NULL,
  ts timestamptz NOT NULL,
  value double precision,
  quality smallint NOT NULL DEFAULT 0,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, metric, ts)
);

SELECT create_hypertable('readings', by_range('ts', INTERVAL '7 days'), if_not_exists => TRUE);

ALTER TABLE readings SET (timescaledb.compress, timescaledb.compress_segmentby = 'station_id, metric', timescaledb.compress_orderby = 'ts DESC');

-- Every refused payload is kept whole, with who sent it, when, and why.
CREATE TABLE IF NOT EXISTS quarantine (
  id bigserial PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now(),
  source text NOT NULL,
  station_id text,
  topic text,
  reason_code text NOT NULL,
  reason text NOT NULL,
  details jsonb,
  payload bytea NOT NULL
);

CREATE INDEX IF NOT EXISTS quarantine_station_time ON quarantine (station_id, received_at DESC);

CREATE INDEX IF NOT EXISTS quarantine_time ON quarantine (received_at DESC);

-- Hourly statistics per station and metric over valid readings, with counts for data
-- completeness (valid, calibrating, fault). Real-time aggregation (materialized_only = false)
-- so the newest hour is never missing.
CREATE MATERIALIZED VIEW IF NOT EXISTS readings_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT
  station_id,
  metric,
  time_bucket(INTERVAL '1 hour', ts) AS bucket,
  avg(value) FILTER (WHERE quality = 0) AS avg,
  min(value) FILTER (WHERE quality = 0) AS min,
  max(value) FILTER (WHERE quality = 0) AS max,
  sum(value) FILTER (WHERE quality = 0) AS sum,
  count(*) FILTER (WHERE quality = 0) AS n_valid,
  count(*) FILTER (WHERE quality = 1) AS n_calibrating,
  count(*) FILTER (WHERE quality = 2) AS n_fault,
  count(*) AS n_total
FROM readings
GROUP BY station_id, metric, bucket
WITH NO DATA;
