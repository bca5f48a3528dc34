-- Bulletins (issue 10): the daily and monthly reports, stored whole as they were published.
-- One row per (kind, period, scope); regenerating a period replaces the row (same id).
-- period_start is the local (Asia/Ho_Chi_Minh) date of the day, or the 1st of the month.
-- scope is 'all' (the whole system) or 'province:<name>'.
CREATE TABLE IF NOT EXISTS bulletins (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('daily', 'monthly')),
  period_start date NOT NULL,
  scope text NOT NULL CHECK (scope = 'all' OR scope LIKE 'province:%'),
  generated_at timestamptz NOT NULL DEFAULT now(),
  generated_by text NOT NULL,
  html text NOT NULL,
  csv text NOT NULL,
  pdf bytea,
  summary jsonb NOT NULL,
  UNIQUE (kind, period_start, scope)
);

CREATE INDEX IF NOT EXISTS bulletins_period ON bulletins (period_start DESC, kind, scope);
