-- 007 reliability: duplicate timestamps with different values.
-- A reading's key is (station_id, metric, ts) and the first write wins (ON CONFLICT DO NOTHING).
-- When a later reading with the same key carries a different value or quality, it is not
-- stored in `readings` but recorded here, next to the stored one, so nothing a station sent is
-- lost without trace. A plain redelivery (same value, same quality) is not a conflict.
-- quality codes as in readings (0 valid, 1 calibrating, 2 fault, 3 out_of_range, 4 maintenance).
CREATE TABLE IF NOT EXISTS reading_conflicts (
  id bigserial PRIMARY KEY,
  station_id text NOT NULL,
  metric text NOT NULL,
  ts timestamptz NOT NULL,
  stored_value double precision,
  stored_quality smallint NOT NULL,
  value double precision,
  quality smallint NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  -- mqtt, http or file
  source text NOT NULL
);
CREATE INDEX IF NOT EXISTS reading_conflicts_station ON reading_conflicts (station_id, ts DESC);
