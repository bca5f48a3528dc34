/**
 * @module api/realtime/live-state
 * The operations center's live picture, kept in memory: each station's newest reading time, its
 * newest hourly VN_AQI (VN_WQI for surface water), the open alerts, today's reading counts (for completeness) and the
 * readings of the last seconds (for the rate). Seeded from the database, then updated by the
 * bus events that api/realtime/index.ts hands it; read by the frames (api/realtime/frames.ts)
 * and GET /api/v1/overview. It sends nothing itself.
 */
import { vnAqiCategory, vnWqiClass } from '../../domain/indices/categories.js';
import type { EventMap } from '../../domain/events.js';
import type { Kpi, LiveState, StationLive } from '../../domain/live.js';
import type { LoadedProfile } from '../../device-profiles/index.js';
import { DAY_MS, HOUR_MS, localMidnight } from '../../lib/time.js';
import type { StationDirectory } from '../../stations/directory.js';
import { listOpenAlerts, type AlertRecord } from '../../store/alerts.js';
import { lastReadingTimes, latestHourlyIndex, readingCountsSince } from '../../store/dashboard.js';
import type { Db } from '../../store/index.js';
import type { Station } from '../../store/stations.js';

/** A station is online while its newest reading is younger than this many expected intervals. */
const FRESH_INTERVALS = 3;
/** The AQI shown on the map is the newest hourly value if no older than this. */
const AQI_MAX_AGE_MS = 3 * HOUR_MS;
const RATE_WINDOW_S = 10;

export interface LiveStateDeps {
  db: Db;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  now: () => number;
}

export interface LiveStore {
  /** Every station's live state at `at`, sorted by id. */
  stations(at: number): StationLive[];
  /** The KPIs over `stations` (from `stations(at)`) at `at`. */
  kpi(stations: readonly StationLive[], at: number): Kpi;
  /** Re-reads today's reading counts from the database (every minute: other nodes' readings, a new local day). */
  refreshCompleteness(): Promise<void>;
  readingsAccepted(event: EventMap['readingsAccepted']): void;
  remoteReadingsSeen(event: EventMap['remoteReadingsSeen']): void;
  alertChanged(event: EventMap['alertChanged']): void;
  indexUpdated(event: EventMap['indexUpdated']): void;
}

/** Reads the live state's seed from the database. */
export async function createLiveState({ db, directory, profiles, now }: LiveStateDeps): Promise<LiveStore> {
  const t0 = now();
  const lastSeen = await lastReadingTimes(db, new Date(t0 - DAY_MS));
  const aqi = await latestHourlyIndex(db, 'vn_aqi', new Date(t0 - AQI_MAX_AGE_MS));
  const wqi = await latestHourlyIndex(db, 'vn_wqi', new Date(t0 - AQI_MAX_AGE_MS));
  const openAlerts = new Map<number, AlertRecord>((await listOpenAlerts(db)).map((a) => [a.id, a]));
  let countsToday = new Map<string, number>();
  let countsSince = 0;
  const rate = new Array<number>(RATE_WINDOW_S).fill(0);
  let rateSecond = Math.floor(t0 / 1000);

  function intervalMs(s: Station): number {
    return (profiles.get(s.profileId)?.profile.expectedIntervalSeconds ?? 60) * 1000;
  }

  function liveOf(s: Station, at: number): StationLive {
    const seen = lastSeen.get(s.id);
    const fresh = seen !== undefined && at - seen <= FRESH_INTERVALS * intervalMs(s);
    const state: LiveState = fresh ? 'online' : s.connectionState === 'online' ? 'stale' : 'offline';
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
      lastReadingAt: seen === undefined ? null : new Date(seen).toISOString(),
      aqi: value,
      aqiCategory: value === null ? null : vnAqiCategory(value).key,
      ...(s.profileId === 'surface-water' ? { vnWqi: wqiValue, vnWqiClass: wqiValue === null ? null : vnWqiClass(wqiValue).key } : {}),
    };
  }

  function advanceRate(at: number): void {
    const second = Math.floor(at / 1000);
    const steps = Math.min(second - rateSecond, RATE_WINDOW_S);
    for (let i = 1; i <= steps; i++) rate[(rateSecond + i) % RATE_WINDOW_S] = 0;
    if (second > rateSecond) rateSecond = second;
  }

  function completeness(at: number): number | null {
    const midnight = localMidnight(at);
    let expected = 0;
    let received = 0;
    for (const s of directory.all()) {
      if (!s.enabled) continue;
      const metrics = Object.keys(profiles.get(s.profileId)?.profile.metrics ?? {}).length;
      const from = Math.max(midnight, s.createdAt.getTime());
      const e = Math.floor((at - from) / intervalMs(s)) * metrics;
      if (e <= 0) continue;
      expected += e;
      received += Math.min(e, countsToday.get(s.id) ?? 0);
    }
    return expected === 0 ? null : received / expected;
  }

  const store: LiveStore = {
    stations(at) {
      return directory
        .all()
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((s) => liveOf(s, at));
    },
    kpi(stations, at) {
      const counts = { total: stations.length, online: 0, stale: 0, offline: 0 };
      for (const s of stations) counts[s.state] += 1;
      const firing = { info: 0, warning: 0, critical: 0 };
      for (const a of openAlerts.values()) if (a.state === 'firing') firing[a.severity] += 1;
      advanceRate(at);
      // the current second is still filling: average the RATE_WINDOW_S − 1 complete ones
      let sum = 0;
      for (let i = 1; i < RATE_WINDOW_S; i++) sum += rate[(rateSecond - i + RATE_WINDOW_S) % RATE_WINDOW_S]!;
      return { stations: counts, firing, completenessToday: completeness(at), readingsPerSecond: Math.round((sum / (RATE_WINDOW_S - 1)) * 10) / 10 };
    },
    async refreshCompleteness() {
      const midnight = localMidnight(now());
      const counts = await readingCountsSince(db, new Date(midnight));
      countsToday = counts;
      countsSince = midnight;
    },
    readingsAccepted({ readings }) {
      const at = now();
      advanceRate(at);
      rate[rateSecond % RATE_WINDOW_S] = rate[rateSecond % RATE_WINDOW_S]! + readings.length;
      const today = localMidnight(at) === countsSince;
      for (const r of readings) {
        if ((lastSeen.get(r.stationId) ?? 0) < r.ts) lastSeen.set(r.stationId, r.ts);
        if (today && r.ts >= countsSince) countsToday.set(r.stationId, (countsToday.get(r.stationId) ?? 0) + 1);
      }
    },
    remoteReadingsSeen({ receipts }) {
      const today = localMidnight(now()) === countsSince;
      for (const r of receipts) {
        if ((lastSeen.get(r.stationId) ?? 0) < r.ts) lastSeen.set(r.stationId, r.ts);
        if (today && r.ts >= countsSince) countsToday.set(r.stationId, (countsToday.get(r.stationId) ?? 0) + r.count);
      }
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
