/**
 * @module store/admin
 * `quantrac db grant-readonly ROLE` (server mode): a read-only role for analysts' SQL tools
 * (Grafana, QGIS, psql). The role is NOLOGIN, a group: give it to login roles with
 * `GRANT <role> TO grafana`. It may read what an analyst needs, and nothing that holds a secret
 * or a person's data: not users, api_tokens, station_credentials, settings (the token key),
 * notify_* (contact secrets), audit_log nor quarantine (raw payloads).
 * No ALTER DEFAULT PRIVILEGES … ON TABLES, on purpose: a table a later version adds may hold
 * secrets, so nothing is granted without being named here; run the command again after an
 * upgrade. New chunks of the readings hypertable need nothing: privileges are checked on the
 * hypertable, and TimescaleDB gives its chunks and the continuous aggregates' materialized
 * tables the grants of their parent.
 */
import type { Db } from './db.js';
import { ident } from './backup.js';

/** What an analyst may read, with a line each for the README. */
export const ANALYST_RELATIONS: ReadonlyArray<{ name: string; what: string }> = [
  {
    name: 'readings',
    what: 'every reading: station_id, metric, ts, value, quality (0 valid, 1 calibrating, 2 fault, 3 out_of_range, 4 maintenance), qc (bits of the automatic checks), review (1 restored, 10+ invalidated)',
  },
  { name: 'readings_hourly', what: 'hourly avg/min/max/sum, counts and a quantile sketch per station and metric (validated readings; continuous aggregate)' },
  { name: 'readings_daily', what: 'the same per local day (Asia/Ho_Chi_Minh), built on readings_hourly' },
  { name: 'readings_monthly', what: 'the same per local month (Asia/Ho_Chi_Minh), built on readings_daily' },
  { name: 'stations', what: 'stations: id, name, profile_id, lat, lon, province, public flags' },
  { name: 'device_profiles', what: 'the metrics, units and ranges of each station type (definition jsonb)' },
  { name: 'aqi_hourly', what: 'hourly VN_AQI (and other indices) per station, with sub-indices' },
  { name: 'aqi_daily', what: 'daily indices per station' },
  { name: 'alerts', what: 'alerts with their state, severity, value and times' },
  { name: 'alert_events', what: 'the history of every alert' },
  { name: 'reading_conflicts', what: 'readings that arrived twice with different values' },
  { name: 'bulletins', what: 'published daily and monthly bulletins' },
  { name: 'qc_flags', what: 'which automatic check flagged which reading, with the check version and what it saw' },
];

export interface GrantResult {
  created: boolean;
  granted: string[];
}

/** Creates the NOLOGIN role if missing and grants it USAGE on public and SELECT on the analyst relations that exist. */
export async function grantReadonly(db: Db, role: string): Promise<GrantResult> {
  const r = ident(role);
  const { rows } = await db.query<{ exists: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS exists', [role]);
  const created = !rows[0]?.exists;
  if (created) await db.query(`CREATE ROLE ${r} NOLOGIN`);
  await db.query(`GRANT USAGE ON SCHEMA public TO ${r}`);
  const { rows: present } = await db.query<{ name: string }>(`SELECT t AS name FROM unnest($1::text[]) AS t WHERE to_regclass('public.' || t) IS NOT NULL`, [
    ANALYST_RELATIONS.map((a) => a.name),
  ]);
  const granted = ANALYST_RELATIONS.map((a) => a.name).filter((n) => present.some((p) => p.name === n));
  for (const name of granted) await db.query(`GRANT SELECT ON ${ident(name)} TO ${r}`);
  return { created, granted };
}
