-- 008 notifications (issue 19): contact points, routing policies, mute timings, on-call
-- schedules, escalation chains, the delivery log and one-use acknowledgement links.
-- Secrets of contact points (SMTP password, gateway headers) are stored encrypted with
-- AES-256-GCM; the key lives in DATA_DIR/notify-secret.key, never in the database.

CREATE TABLE IF NOT EXISTS notify_contact_points (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  -- email, sms, chat (Zalo OA or any JSON chat webhook), webhook
  kind text NOT NULL CHECK (kind IN ('email', 'sms', 'chat', 'webhook')),
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- AES-256-GCM of a JSON object of secret values: base64(iv).base64(tag).base64(ciphertext)
  secrets_enc text,
  -- the names of the secrets set ('password', 'headers.Authorization'), shown instead of values
  secret_names text[] NOT NULL DEFAULT '{}',
  -- the Quantrac user an acknowledgement from this contact point is recorded as
  username text,
  language text NOT NULL DEFAULT 'vi' CHECK (language IN ('vi', 'en')),
  enabled boolean NOT NULL DEFAULT true,
  consecutive_failures integer NOT NULL DEFAULT 0,
  last_error text,
  last_error_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS notify_mute_timings (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  time_zone text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
  -- [{ weekdays: [1..7] (1 = Monday), start: 'HH:MM', end: 'HH:MM' }]
  intervals jsonb NOT NULL DEFAULT '[]'::jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS notify_schedules (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  time_zone text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
  -- { startsAt: ISO 8601, shiftHours, members: [contact point id] }
  rotation jsonb NOT NULL,
  -- [{ startsAt, endsAt, contactPointId, note }]
  overrides jsonb NOT NULL DEFAULT '[]'::jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS notify_escalation_chains (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  -- [{ afterMinutes, contactPointIds: [], scheduleIds: [] }], level 1 first
  levels jsonb NOT NULL DEFAULT '[]'::jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS notify_policies (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  position integer NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  -- { severities, provinces, profiles, packs, stations, kinds: observed|forecast }; empty = any
  matchers jsonb NOT NULL DEFAULT '{}'::jsonb,
  contact_point_ids bigint[] NOT NULL DEFAULT '{}',
  continue_matching boolean NOT NULL DEFAULT false,
  group_by text NOT NULL DEFAULT 'none' CHECK (group_by IN ('none', 'station', 'province')),
  group_wait_seconds integer NOT NULL DEFAULT 0,
  repeat_interval_minutes integer NOT NULL DEFAULT 0,
  send_resolved boolean NOT NULL DEFAULT true,
  mute_timing_ids bigint[] NOT NULL DEFAULT '{}',
  critical_passes_mute boolean NOT NULL DEFAULT true,
  escalation_chain_id bigint REFERENCES notify_escalation_chains (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS notify_policies_position ON notify_policies (position, id);

CREATE TABLE IF NOT EXISTS notify_deliveries (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  contact_point_id bigint,
  contact_point_name text NOT NULL,
  channel text NOT NULL,
  recipient text NOT NULL,
  -- sent, failed (will retry), gave_up, muted
  status text NOT NULL,
  attempt integer NOT NULL DEFAULT 1,
  -- firing, resolved, repeat, escalation, test
  reason text NOT NULL,
  alert_ids bigint[] NOT NULL DEFAULT '{}',
  policy_id bigint,
  error text,
  duration_ms integer
);

CREATE INDEX IF NOT EXISTS notify_deliveries_at ON notify_deliveries (id DESC);

CREATE INDEX IF NOT EXISTS notify_deliveries_contact ON notify_deliveries (contact_point_id, id DESC);

CREATE TABLE IF NOT EXISTS notify_ack_links (
  -- sha256 of the token, hex; the token itself is only in the message
  token_hash text PRIMARY KEY,
  alert_id bigint NOT NULL,
  contact_point_id bigint,
  channel text NOT NULL,
  username text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS notify_ack_links_expires ON notify_ack_links (expires_at);
