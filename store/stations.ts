/**
 * @module store/stations
 * Stations, their credentials, and the device profiles they reference.
 */
import { DEFAULT_TIME_ZONE } from '../lib/time.js';
import type { Db } from './db.js';
import type { DeviceProfile } from '../device-profiles/index.js';

export interface Station {
  id: string;
  name: string;
  profileId: string;
  lat: number;
  lon: number;
  province: string | null;
  timezone: string;
  enabled: boolean;
  simulated: boolean;
  connectionState: 'unknown' | 'online' | 'offline';
  connectionChangedAt: Date | null;
  createdAt: Date;
  /** Station-specific settings used by rules, e.g. { "floodLevels": [9.5, 10.5, 11.5] }. */
  attributes: Record<string, unknown>;
}

export interface NewStation {
  id: string;
  name: string;
  profileId: string;
  lat: number;
  lon: number;
  province?: string | null | undefined;
  timezone?: string | undefined;
  simulated?: boolean | undefined;
  attributes?: Record<string, unknown> | undefined;
}

interface StationRow {
  id: string;
  name: string;
  profile_id: string;
  lat: number;
  lon: number;
  province: string | null;
  timezone: string;
  enabled: boolean;
  simulated: boolean;
  connection_state: Station['connectionState'];
  connection_changed_at: Date | null;
  created_at: Date;
  attributes: Record<string, unknown>;
}

const COLUMNS = 'id, name, profile_id, lat, lon, province, timezone, enabled, simulated, connection_state, connection_changed_at, created_at, attributes';

function toStation(r: StationRow): Station {
  return {
    id: r.id,
    name: r.name,
    profileId: r.profile_id,
    lat: r.lat,
    lon: r.lon,
    province: r.province,
    timezone: r.timezone,
    enabled: r.enabled,
    simulated: r.simulated,
    connectionState: r.connection_state,
    connectionChangedAt: r.connection_changed_at,
    createdAt: r.created_at,
    attributes: r.attributes,
  };
}

/** Upserts the loaded profiles so stations can reference them (the files stay the source). */
export async function syncProfiles(db: Db, profiles: readonly DeviceProfile[]): Promise<void> {
  for (const p of profiles) {
    await db.query(
      `INSERT INTO device_profiles (id, version, definition) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, definition = EXCLUDED.definition, updated_at = now()
       WHERE device_profiles.definition IS DISTINCT FROM EXCLUDED.definition`,
      [p.id, p.version, JSON.stringify(p)],
    );
  }
}

/** Creates a station and its credential in one transaction; returns undefined if the id exists. */
export async function createStation(db: Db, s: NewStation, secretHash: string): Promise<Station | undefined> {
  return db.transaction(async (client) => {
    const { rows } = await client.query<StationRow>(
      `INSERT INTO stations (id, name, profile_id, lat, lon, province, timezone, simulated, attributes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
      [s.id, s.name, s.profileId, s.lat, s.lon, s.province ?? null, s.timezone ?? DEFAULT_TIME_ZONE, s.simulated ?? false, JSON.stringify(s.attributes ?? {})],
    );
    const row = rows[0];
    if (!row) return undefined;
    await client.query(`INSERT INTO station_credentials (station_id, secret_hash) VALUES ($1, $2)`, [s.id, secretHash]);
    return toStation(row);
  });
}

export async function getStation(db: Db, id: string): Promise<Station | undefined> {
  const { rows } = await db.query<StationRow>(`SELECT ${COLUMNS} FROM stations WHERE id = $1`, [id]);
  return rows[0] ? toStation(rows[0]) : undefined;
}

export async function listStations(db: Db, filter: { profileId?: string | undefined; province?: string | undefined } = {}): Promise<Station[]> {
  const { rows } = await db.query<StationRow>(
    `SELECT ${COLUMNS} FROM stations
      WHERE ($1::text IS NULL OR profile_id = $1) AND ($2::text IS NULL OR province = $2) ORDER BY id`,
    [filter.profileId ?? null, filter.province ?? null],
  );
  return rows.map(toStation);
}

export async function getSecretHash(db: Db, stationId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ secret_hash: string }>(
    `SELECT c.secret_hash FROM station_credentials c JOIN stations s ON s.id = c.station_id
      WHERE c.station_id = $1 AND s.enabled`,
    [stationId],
  );
  return rows[0]?.secret_hash;
}

export async function setSecretHash(db: Db, stationId: string, secretHash: string): Promise<void> {
  await db.query(
    `INSERT INTO station_credentials (station_id, secret_hash) VALUES ($1, $2)
     ON CONFLICT (station_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, rotated_at = now()`,
    [stationId, secretHash],
  );
}

export async function setConnectionState(db: Db, stationId: string, state: 'online' | 'offline', at: Date): Promise<void> {
  await db.query(
    `UPDATE stations SET connection_state = $2, connection_changed_at = $3
      WHERE id = $1 AND (connection_changed_at IS NULL OR connection_changed_at <= $3)`,
    [stationId, state, at],
  );
}

export interface StationPatch {
  name?: string | undefined;
  province?: string | null | undefined;
  enabled?: boolean | undefined;
  attributes?: Record<string, unknown> | undefined;
}

/** Updates the given fields; returns the station as stored, or undefined if it does not exist. */
export async function updateStation(db: Db, id: string, patch: StationPatch): Promise<Station | undefined> {
  const { rows } = await db.query<StationRow>(
    `UPDATE stations SET
       name = COALESCE($2, name),
       province = CASE WHEN $3::boolean THEN $4 ELSE province END,
       enabled = COALESCE($5, enabled),
       attributes = COALESCE($6::jsonb, attributes)
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, patch.name ?? null, patch.province !== undefined, patch.province ?? null, patch.enabled ?? null, patch.attributes === undefined ? null : JSON.stringify(patch.attributes)],
  );
  return rows[0] ? toStation(rows[0]) : undefined;
}

/** Enabled stations, all or one province's, ordered by province (none last) then id. */
export async function listEnabledStations(db: Db, province: string | null): Promise<Station[]> {
  const { rows } = await db.query<StationRow>(`SELECT ${COLUMNS} FROM stations WHERE enabled AND ($1::text IS NULL OR province = $1) ORDER BY province NULLS LAST, id`, [province]);
  return rows.map(toStation);
}

/** Provinces with at least one enabled station, by name. */
export async function activeProvinces(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ province: string }>(`SELECT DISTINCT province FROM stations WHERE enabled AND province IS NOT NULL AND province <> '' ORDER BY province`);
  return rows.map((r) => r.province);
}

/** Whether any station (enabled or not) is in the province. */
export async function provinceExists(db: Db, province: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM stations WHERE province = $1 LIMIT 1', [province]);
  return rows.length > 0;
}
