-- Alerts, rules, silences and stored indices (issue 3).

ALTER TABLE stations ADD COLUMN IF NOT EXISTS attributes jsonb NOT NULL DEFAULT '{}'::jsonb;

-- Rules are data: shipped packs (origin 'pack', refreshed at start unless edited) and rules
-- written through the API (origin 'user'). The definition follows alerts/rules/schema.ts.
CREATE TABLE IF NOT EXISTS rules (
  id text PRIMARY KEY,
  definition jsonb NOT NULL,
  origin text NOT NULL CHECK (origin IN ('pack', 'user')),
  pack text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text
);

-- One open alert per (station, rule) at a time; history in alert_events.
CREATE TABLE IF NOT EXISTS alerts (
  id bigserial PRIMARY KEY,
  station_id text NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
  rule_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'firing', 'acknowledged', 'resolved')),
  severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  level integer,
  opened_at timestamptz NOT NULL,
  firing_at timestamptz,
  clear_since timestamptz,
  acked_at timestamptz,
  acked_by text,
  ack_comment text,
  resolved_at timestamptz,
  resolved_by text,
  resolved_reason text,
  value double precision,
  message jsonb NOT NULL,
  projected_at timestamptz,
  silenced boolean NOT NULL DEFAULT false,
  last_reminder_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_open ON alerts (station_id, rule_id) WHERE state <> 'resolved';

CREATE INDEX IF NOT EXISTS alerts_updated ON alerts (updated_at DESC);

CREATE TABLE IF NOT EXISTS alert_events (
  id bigserial PRIMARY KEY,
  alert_id bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  at timestamptz NOT NULL,
  type text NOT NULL,
  from_state text,
  to_state text,
  severity text,
  actor text,
  comment text,
  value double precision,
  evidence jsonb
);

CREATE INDEX IF NOT EXISTS alert_events_alert ON alert_events (alert_id, id);

-- Maintenance windows: alerts are recorded but not notified.
CREATE TABLE IF NOT EXISTS silences (
  id bigserial PRIMARY KEY,
  station_id text,
  rule_id text,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  comment text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at),
  CHECK (station_id IS NOT NULL OR rule_id IS NOT NULL)
);

-- Hourly and daily indices, stored so that API and dashboard read them, not recompute them.
-- ts is the hour-ending label (Decision 1459: the value labelled 01:00 covers 00:00-01:00);
-- day is the local VN_AQI day (01:00 to 00:00 of the next day, UTC+7).
CREATE TABLE IF NOT EXISTS aqi_hourly (
  station_id text NOT NULL,
  index_name text NOT NULL,
  ts timestamptz NOT NULL,
  aqi integer NOT NULL,
  category text NOT NULL,
  dominant text NOT NULL,
  sub_indices jsonb NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, index_name, ts)
);

CREATE TABLE IF NOT EXISTS aqi_daily (
  station_id text NOT NULL,
  index_name text NOT NULL,
  day date NOT NULL,
  aqi integer NOT NULL,
  category text NOT NULL,
  dominant text NOT NULL,
  sub_indices jsonb NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, index_name, day)
);
