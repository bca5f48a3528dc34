-- Security (issue 9): the audit log of operator and admin actions, logins, lockouts and station
-- limit events. Append-only from the application's side: a trigger refuses UPDATE, DELETE and
-- TRUNCATE, so nothing Quantrac runs can rewrite history (a database superuser still can: keep
-- the database's own access and backups under the agency's control). Each statement is idempotent.

CREATE TABLE IF NOT EXISTS audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  -- username, station id, or '-' for an unknown caller
  actor text NOT NULL,
  -- viewer, operator, admin, analyst (API token), station, or NULL (anonymous)
  role text,
  source_ip text,
  -- e.g. 'POST /api/v1/alerts/:id/ack', 'auth.login', 'auth.lockout', 'mqtt.auth', 'station.throttled'
  action text NOT NULL,
  target text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- ok, denied (refused credentials or role), locked, failed (status 4xx/5xx), throttled, disconnected
  outcome text NOT NULL
);

CREATE INDEX IF NOT EXISTS audit_log_at_idx ON audit_log (at DESC, id DESC);

CREATE INDEX IF NOT EXISTS audit_log_actor_idx ON audit_log (actor, at DESC);

CREATE INDEX IF NOT EXISTS audit_log_action_idx ON audit_log (action, at DESC);

-- The body stays on one line: store/migrate.ts splits statements at a ';' that ends a line.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; END $$;

DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
