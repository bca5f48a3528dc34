/**
 * @module simulators/embedded
 * The simulated fleet that `npm start` runs beside the platform (SIMULATE=N stations). The
 * stations are registered like real ones (ids SIM-…, flagged simulated), their secrets are
 * rotated at every start and handed to the simulators in memory only, and they publish through
 * real MQTT connections to the broker's TCP port. Stations registered at this start (a fresh
 * DATA_DIR) first replay recent history through ingest (simulators/backfill.ts), so a first run
 * shows indices, charts, alerts and a bulletin at once.
 */
import { timeZoneOr } from '../lib/time.js';
import { createError } from '../lib/errors.js';
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { StationDirectory } from '../stations/directory.js';
import type { Logger } from '../lib/logger.js';
import { createFleet, type Fleet, type FleetStationConfig } from './fleet.js';
import { loadHanoiReplay } from './hanoi-replay.js';
import { backfillHistory, type BackfillResult, type BackfillSink } from './backfill.js';
import { deriveSeed } from './prng.js';

interface Site {
  name: string;
  profile: string;
  lat: number;
  lon: number;
  province: string;
  /** e.g. floodLevels: alarm levels I/II/III (m) of QĐ 05/2020/QĐ-TTg for the hydrological station. */
  attributes?: Record<string, unknown>;
}

/** Real places, with the provinces of the 34-province map in force since 1 July 2025. */
export const SIMULATED_SITES: readonly Site[] = [
  { name: 'Hoàn Kiếm', profile: 'air-quality', lat: 21.0285, lon: 105.8542, province: 'Hà Nội' },
  { name: 'Quận 1', profile: 'air-quality', lat: 10.7769, lon: 106.7009, province: 'TP. Hồ Chí Minh' },
  { name: 'Sông Hồng – Long Biên', profile: 'hydromet', lat: 21.044, lon: 105.861, province: 'Hà Nội', attributes: { floodLevels: [9.5, 10.5, 11.5] } },
  { name: 'Sông Hồng – Hà Nội', profile: 'surface-water', lat: 21.0556, lon: 105.8447, province: 'Hà Nội' },
  { name: 'KCN Thăng Long', profile: 'wastewater', lat: 21.1219, lon: 105.7808, province: 'Hà Nội' },
  { name: 'Bến Tre – Sông Hàm Luông', profile: 'salinity', lat: 10.2434, lon: 106.3756, province: 'Vĩnh Long' },
  { name: 'Hải Châu', profile: 'air-quality', lat: 16.0544, lon: 108.2022, province: 'Đà Nẵng' },
  { name: 'Hồng Bàng', profile: 'air-quality', lat: 20.8619, lon: 106.6811, province: 'Hải Phòng' },
  { name: 'Sông Sài Gòn – Phú Cường', profile: 'surface-water', lat: 10.9806, lon: 106.6519, province: 'TP. Hồ Chí Minh' },
  { name: 'Đại Ngãi – Sông Hậu', profile: 'salinity', lat: 9.7333, lon: 106.0667, province: 'Cần Thơ' },
  { name: 'Sơn Tây – Sông Hồng', profile: 'hydromet', lat: 21.1411, lon: 105.5053, province: 'Hà Nội', attributes: { floodLevels: [12.4, 13.4, 14.4] } },
  { name: 'KCN Biên Hòa 2', profile: 'wastewater', lat: 10.9289, lon: 106.8647, province: 'Đồng Nai' },
  { name: 'Hạ Long', profile: 'air-quality', lat: 20.9517, lon: 107.0803, province: 'Quảng Ninh' },
  { name: 'Ninh Kiều', profile: 'air-quality', lat: 10.0452, lon: 105.7469, province: 'Cần Thơ' },
  { name: 'Sông Hàn', profile: 'surface-water', lat: 16.0678, lon: 108.2253, province: 'Đà Nẵng' },
  { name: 'Huế – Sông Hương', profile: 'surface-water', lat: 16.4637, lon: 107.5909, province: 'Huế' },
  { name: 'Từ Sơn', profile: 'air-quality', lat: 21.1167, lon: 105.9667, province: 'Bắc Ninh' },
  { name: 'Thái Nguyên', profile: 'air-quality', lat: 21.5928, lon: 105.8442, province: 'Thái Nguyên' },
  { name: 'Cà Mau – Sông Gành Hào', profile: 'salinity', lat: 9.1769, lon: 105.1524, province: 'Cà Mau' },
  { name: 'Trung Hà – Sông Đà', profile: 'hydromet', lat: 21.2333, lon: 105.35, province: 'Phú Thọ', attributes: { floodLevels: [15, 16, 17] } },
];

export interface Simulation {
  stationIds: string[];
  fleet: Fleet;
  /** The history replayed before the fleet started (stations new at this start), if any. */
  backfill: BackfillResult | undefined;
  close(): Promise<void>;
}

export interface SimulationDeps {
  config: Readonly<Config>;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  mqttPort: number;
  logger: Logger;
  /** Where new stations' recent history is written (ingest), for config.simulateBackfillHours; absent = no backfill. */
  backfill?: BackfillSink;
}

/** Station i of the simulated fleet: the sites above, then copies nudged a few km apart. */
export function simulatedSite(i: number): Site & { id: string } {
  const base = SIMULATED_SITES[i % SIMULATED_SITES.length]!;
  const round = Math.floor(i / SIMULATED_SITES.length);
  const id = `SIM-${String(i + 1).padStart(3, '0')}`;
  if (round === 0) return { ...base, id };
  const angle = (i * 137.5 * Math.PI) / 180;
  const km = 3 * Math.sqrt(round);
  return { ...base, id, name: `${base.name} #${round + 1}`, lat: base.lat + (km / 111) * Math.sin(angle), lon: base.lon + (km / 108) * Math.cos(angle) };
}

/** Registered stations and their history written, the fleet not connected yet (app.ts backfills before bulletins start, connects last). */
export interface PreparedSimulation {
  backfill: BackfillResult | undefined;
  /** Connects the fleet. */
  start(): Promise<Simulation>;
}

export async function startSimulation(deps: SimulationDeps): Promise<Simulation> {
  return (await prepareSimulation(deps)).start();
}

/** Registers (or re-keys) the simulated stations and replays new ones' history; `start()` connects them. */
export async function prepareSimulation(deps: SimulationDeps): Promise<PreparedSimulation> {
  const { config, directory, profiles, mqttPort, logger } = deps;
  const stations: FleetStationConfig[] = [];
  /** Stations registered at this start: only they get a history (a restart never adds one twice). */
  const registered = new Set<string>();
  for (let i = 0; i < config.simulate; i++) {
    const site = simulatedSite(i);
    const existing = directory.get(site.id);
    // A station registered earlier keeps its profile: ingest validates against the registered one.
    const profileId = existing?.profileId ?? site.profile;
    const loaded = profiles.get(profileId);
    if (!loaded) {
      logger.warn({ stationId: site.id, profile: profileId }, 'simulated station skipped: profile not loaded');
      continue;
    }
    if (existing && !existing.simulated) {
      // Never rotate (take over) the credentials of a real station that happens to use a SIM- id.
      logger.warn({ stationId: site.id }, 'simulated station skipped: the id belongs to a real station');
      continue;
    }
    let secret: string;
    if (existing) {
      secret = await directory.rotateSecret(site.id);
    } else {
      const created = await directory.register({
        id: site.id,
        name: site.name,
        profileId: site.profile,
        lat: site.lat,
        lon: site.lon,
        province: site.province,
        simulated: true,
        attributes: site.attributes,
      });
      if (!created) throw createError('QT_ERR_SIMULATOR', `could not register simulated station ${site.id}`);
      secret = created.secret;
      registered.add(site.id);
    }
    // a registered station keeps its zone (an operator may have set it); a new one gets the agency's
    stations.push({ id: site.id, secret, profile: loaded.profile, timezone: timeZoneOr(existing?.timezone, config.timezone) });
  }
  // SIM-001 (Hoàn Kiếm, Hà Nội) replays the real US Embassy Hanoi PM2.5 series when the file is there.
  const hanoi = stations.find((s) => s.id === 'SIM-001' && s.profile.id === 'air-quality');
  if (hanoi) {
    try {
      hanoi.replay = { source: await loadHanoiReplay() };
    } catch (err) {
      logger.warn({ err, stationId: hanoi.id }, 'Hanoi PM2.5 replay unavailable; SIM-001 uses the model');
    }
  }
  let backfill: BackfillResult | undefined;
  if (deps.backfill && config.simulateBackfillHours > 0 && registered.size > 0) {
    backfill = await backfillHistory({
      stations: stations
        .filter((s) => registered.has(s.id))
        .map((s) => ({
          id: s.id,
          profile: s.profile,
          timezone: s.timezone ?? config.timezone,
          // the live simulators' seeds (fleet.ts: deriveSeed(base seed 1, id)); history at the profile's
          // interval even when SIMULATE_INTERVAL_MS speeds the live fleet up (48 h at 2 s would be 86,400 readings a station)
          seed: deriveSeed(1, s.id),
          intervalMs: s.profile.expectedIntervalSeconds * 1000,
          replay: s.replay?.source,
        })),
      hours: config.simulateBackfillHours,
      now: Date.now(),
      sink: deps.backfill,
      logger,
    });
  }
  return { backfill, start: () => startFleet(stations, backfill) };

  async function startFleet(stations: FleetStationConfig[], backfill: BackfillResult | undefined): Promise<Simulation> {
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    // a station with a history continues the model its history was computed with: no jump at the handover
    const withModels = stations.map((s) => {
      const model = backfill?.models.get(s.id);
      return model ? { ...s, model } : s;
    });
    const fleet = createFleet({
      url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${mqttPort}`,
      stations: withModels,
      ...(config.simulateIntervalMs > 0 ? { intervalMs: config.simulateIntervalMs } : {}),
      // SimulatorLogger has pino's (obj, msg) shape: the platform logger is passed as is.
      logger,
    });
    await fleet.start();
    return {
      stationIds: stations.map((s) => s.id),
      fleet,
      backfill,
      close: () => fleet.close(),
    };
  }
}
