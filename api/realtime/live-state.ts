/**
 * @module api/realtime/live-state
 * The operations center's live picture, kept in memory: each station's newest reading time and
 * connection, its newest hourly VN_AQI (VN_WQI for surface water), the open alerts, today's
 * completeness (api/realtime/completeness.ts: the analyst API's definition), the readings of
 * the last 5 minutes (for the rate) and, for hydromet, salinity and wastewater stations, the newest
 * valid value (of the last 3 hours) of each metric behind their own index (domain/type-index.ts).
 * Seeded from the database, then updated by the bus events that api/realtime/index.ts hands it;
 * read by the frames (api/realtime/frames.ts) and GET /api/v1/overview. It sends nothing itself.
 *
 * States (domain/live.ts): reporting = a reading within 3 × the profile's interval; connected =
 * its MQTT session is up. `online` = reporting, or connected for less than 3 intervals (its first
 * reading is not due yet: a fresh start is not "silent"); `stale` = connected but silent longer;
 * `offline` = neither connected nor reporting.
 */
import { vnAqiCategory, vnWqiClass } from '../../domain/indices/categories.js';
import type { Config } from '../../config/index.js';
import type { EventMap } from '../../domain/events.js';
import type { Kpi, LiveState, StationLive } from '../../domain/live.js';
import type { LoadedProfile } from '../../device-profiles/index.js';
import { DAY_MS, HOUR_MS } from '../../lib/time.js';
import type { StationDirectory } from '../../stations/directory.js';
import { listOpenAlerts, type AlertRecord } from '../../store/alerts.js';
import { lastReadingTimes, latestHourlyIndex } from '../../store/dashboard.js';
import { latestValidValues, type LatestValue } from '../../store/latest.js';
import type { RuleView } from '../../alerts/rule-index.js';
import type { Db } from '../../store/index.js';
import type { Station } from '../../store/stations.js';
import { createCompletenessTracker } from './completeness.js';
import { stationTypeIndex, typeIndexKindOf, typeIndexTables, type TypeIndexTables } from '../../domain/type-index.js';

/** A station is reporting while its newest reading is younger than this many expected intervals. */
const FRESH_INTERVALS = 3;
/** The AQI shown on the map is the newest hourly value if no older than this. */
const AQI_MAX_AGE_MS = 3 * HOUR_MS;
/** The flood level, salinity class and compliance read values no older than this (as the AQI). */
const TYPE_INDEX_MAX_AGE_MS = AQI_MAX_AGE_MS;
/** Readings per minute are counted over this many seconds: enough for stations that send once a minute or every 5. */
const RATE_WINDOW_S = 300;
/** Before RATE_WINDOW_S have passed since start, the rate is averaged over at least this long. */
const RATE_MIN_WINDOW_S = 60;

export interface LiveStateDeps {
  db: Db;
  config: Readonly<Config>;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  now: () => number;
  /** The rules in force (salinity lines, QCVN 40 columns); absent: the defaults of domain/type-index.ts. */
  rules?: (() => readonly RuleView[]) | undefined;
}

export interface LiveStore {
  /** Every station's live state at `at`, sorted by id. */
  stations(at: number): StationLive[];
  /** The KPIs over `stations` (from `stations(at)`) at `at`. */
  kpi(stations: readonly StationLive[], at: number): Kpi;
  /** Re-reads today's completeness counts from the database (every minute: other nodes' readings, a new local day). */
  refreshCompleteness(): Promise<void>;
  readingsAccepted(event: EventMap['readingsAccepted']): void;
  remoteReadingsSeen(event: EventMap['remoteReadingsSeen']): void;
  alertChanged(event: EventMap['alertChanged']): void;
  indexUpdated(event: EventMap['indexUpdated']): void;
}

/** Reads the live state's seed from the database. */
export async function createLiveState({ db, config, directory, profiles, now, rules }: LiveStateDeps): Promise<LiveStore> {
  const t0 = now();
  const lastSeen = await lastReadingTimes(db, new Date(t0 - DAY_MS));
  const aqi = await latestHourlyIndex(db, 'vn_aqi', new Date(t0 - AQI_MAX_AGE_MS));
  const wqi = await latestHourlyIndex(db, 'vn_wqi', new Date(t0 - AQI_MAX_AGE_MS));
  // station → metric → newest valid value and its time, for the per-type indices (as current as the AQI: 3 h)
  const typed = directory.all().filter((s) => typeIndexKindOf(s.profileId) !== undefined);
  const latest: Map<string, Map<string, LatestValue>> = await latestValidValues(
    db,
    typed.map((s) => s.id),
    new Date(t0 - TYPE_INDEX_MAX_AGE_MS),
  );
  const openAlerts = new Map<number, AlertRecord>((await listOpenAlerts(db)).map((a) => [a.id, a]));
  const completeness = createCompletenessTracker({ db, config, profiles, directory, now });
  const rate = new Array<number>(RATE_WINDOW_S).fill(0);
  const startSecond = Math.floor(t0 / 1000);
  let rateSecond = startSecond;

  function intervalMs(s: Station): number {
    return (profiles.get(s.profileId)?.profile.expectedIntervalSeconds ?? 60) * 1000;
  }

  function liveOf(s: Station, at: number, tables: TypeIndexTables): StationLive {
    const seen = lastSeen.get(s.id);
    const grace = FRESH_INTERVALS * intervalMs(s);
    const reporting = seen !== undefined && at - seen <= grace;
    const connected = s.connectionState === 'online';
    // silent since it last reported or (re)connected, whichever is later
    const since = Math.max(seen ?? 0, connected ? (s.connectionChangedAt?.getTime() ?? 0) : 0);
    const state: LiveState = reporting || (connected && at - since <= grace) ? 'online' : connected ? 'stale' : 'offline';
    const index = aqi.get(s.id);
    const value = index && at - index.hourEnd <= AQI_MAX_AGE_MS ? index.aqi : null;
    const water = wqi.get(s.id);
    const wqiValue = water && at - water.hourEnd <= AQI_MAX_AGE_MS ? water.aqi : null;
    return {
      id: s.id,
      name: s.name,
      profile: s.profileId,
      province: s.province,
      lat: s.lat,
      lon: s.lon,
      enabled: s.enabled,
      state,
      connected,
      reporting,
      completenessToday: s.enabled ? completeness.stationPercent(s, at) : null,
      lastReadingAt: seen === undefined ? null : new Date(seen).toISOString(),
      aqi: value,
      aqiCategory: value === null ? null : vnAqiCategory(value).key,
      ...(s.profileId === 'surface-water' ? { vnWqi: wqiValue, vnWqiClass: wqiValue === null ? null : vnWqiClass(wqiValue).key } : {}),
      ...stationTypeIndex(s, freshValues(s.id, at), tables),
    };
  }

  /** The station's newest valid values no older than TYPE_INDEX_MAX_AGE_MS at `at`. */
  function freshValues(stationId: string, at: number): Map<string, number> | undefined {
    const values = latest.get(stationId);
    if (!values) return undefined;
    const out = new Map<string, number>();
    for (const [metric, v] of values) if (at - v.ts <= TYPE_INDEX_MAX_AGE_MS) out.set(metric, v.value);
    return out;
  }

  /** Keeps the newest valid value of a typed station's metric (readings may arrive out of order). */
  function noteValue(stationId: string, metric: string, ts: number, value: number): void {
    const station = directory.get(stationId);
    if (!station || typeIndexKindOf(station.profileId) === undefined) return;
    const values = latest.get(stationId) ?? new Map<string, LatestValue>();
    if ((values.get(metric)?.ts ?? -Infinity) > ts) return;
    values.set(metric, { ts, value });
    latest.set(stationId, values);
  }

  function advanceRate(at: number): void {
    const second = Math.floor(at / 1000);
    const steps = Math.min(second - rateSecond, RATE_WINDOW_S);
    for (let i = 1; i <= steps; i++) rate[(rateSecond + i) % RATE_WINDOW_S] = 0;
    if (second > rateSecond) rateSecond = second;
  }

  /** Readings per minute over the last RATE_WINDOW_S complete seconds (fewer just after start, at least RATE_MIN_WINDOW_S). */
  function perMinute(): number {
    const seconds = Math.min(RATE_WINDOW_S - 1, Math.max(RATE_MIN_WINDOW_S, rateSecond - startSecond));
    let sum = 0;
    // the current second is still filling: count the complete ones before it
    for (let i = 1; i <= Math.min(seconds, RATE_WINDOW_S - 1); i++) sum += rate[(rateSecond - i + RATE_WINDOW_S) % RATE_WINDOW_S]!;
    return Math.round((sum / seconds) * 600) / 10;
  }

  const store: LiveStore = {
    stations(at) {
      const tables = typeIndexTables(rules?.() ?? []);
      return directory
        .all()
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((s) => liveOf(s, at, tables));
    },
    kpi(stations, at) {
      const counts = { total: stations.length, online: 0, stale: 0, offline: 0, connected: 0, reporting: 0 };
      for (const s of stations) {
        counts[s.state] += 1;
        if (s.connected) counts.connected += 1;
        if (s.reporting) counts.reporting += 1;
      }
      const firing = { info: 0, warning: 0, critical: 0 };
      for (const a of openAlerts.values()) if (a.state === 'firing') firing[a.severity] += 1;
      advanceRate(at);
      const readingsPerMinute = perMinute();
      return { stations: counts, firing, completenessToday: completeness.fleet(at), readingsPerMinute, readingsPerSecond: Math.round((readingsPerMinute / 60) * 10) / 10 };
    },
    refreshCompleteness: () => completeness.refresh(),
    readingsAccepted({ readings }) {
      const at = now();
      advanceRate(at);
      rate[rateSecond % RATE_WINDOW_S] = rate[rateSecond % RATE_WINDOW_S]! + readings.length;
      completeness.add(readings);
      for (const r of readings) {
        if ((lastSeen.get(r.stationId) ?? 0) < r.ts) lastSeen.set(r.stationId, r.ts);
        if (r.quality === 'valid' && r.value !== null) noteValue(r.stationId, r.metric, r.ts, r.value);
      }
    },
    remoteReadingsSeen({ receipts }) {
      // other nodes' readings reach the completeness at the next refresh (every minute)
      for (const r of receipts) if ((lastSeen.get(r.stationId) ?? 0) < r.ts) lastSeen.set(r.stationId, r.ts);
    },
    alertChanged({ alert }) {
      if (alert.state === 'resolved') openAlerts.delete(alert.id);
      else openAlerts.set(alert.id, alert);
    },
    indexUpdated({ stationId, hourEnd, vnAqi, vnWqi }) {
      const currentWqi = wqi.get(stationId);
      if (vnWqi !== null && !(currentWqi && currentWqi.hourEnd > hourEnd)) wqi.set(stationId, { hourEnd, aqi: vnWqi });
      const current = aqi.get(stationId);
      if (vnAqi === null || (current && current.hourEnd > hourEnd)) return;
      aqi.set(stationId, { hourEnd, aqi: vnAqi });
    },
  };
  await store.refreshCompleteness();
  return store;
}
