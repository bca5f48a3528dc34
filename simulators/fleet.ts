/**
 * @module simulators/fleet
 * Many simulated stations in one process: bounded-concurrency connects, deterministic per-station
 * seeds and a publish jitter so a fleet does not hit the broker in the same millisecond.
 */
import { createError } from '../lib/errors.js';
import { mapSettled } from './concurrency.js';
import { SimulatorError, toError } from './errors.js';
import type { Fault } from './faults.js';
import { consoleLogger, type SimulatorLogger } from './logger.js';
import { deriveSeed } from './prng.js';
import type { ValueModel } from './models.js';
import { createSimulatedStation, type SimulatedStation, type SimulatedStationOptions, type StationConfig, type StationReplayOptions, type StationStats } from './station.js';
import type { Clock } from './time.js';

/** One station of a fleet; the optional fields override the fleet's settings for it. */
export interface FleetStationConfig extends StationConfig {
  replay?: StationReplayOptions;
  metrics?: readonly string[];
  intervalMs?: number;
  /** A value model to continue (SimulatedStationOptions.model). */
  model?: ValueModel;
}

/** Station options a fleet passes through unchanged to every station. */
export type FleetStationDefaults = Pick<SimulatedStationOptions, 'ackTimeoutMs' | 'connectTimeoutMs' | 'reconnectPeriodMs' | 'keepaliveSeconds' | 'historySize' | 'closeTimeoutMs'>;

export interface FleetOptions {
  url: string;
  stations: readonly FleetStationConfig[];
  /** Interval for every station (default: each profile's expectedIntervalSeconds). */
  intervalMs?: number;
  /** Base seed; each station's model seed is derived from it and the station id (default 1). */
  seed?: number;
  /** Connections opened at once during start() (default 16). */
  connectConcurrency?: number;
  /**
   * Stations publish at boundary + a per-station offset in [0, jitterSpreadMs) derived from the id
   * (default: min(interval / 2, 10 000 ms)); timestamps stay on the boundary. 0 disables.
   */
  jitterSpreadMs?: number;
  clock?: Clock;
  logger?: SimulatorLogger;
  /** 'abort' (default): one failed station closes the fleet and start() rejects; 'continue': log it and run the rest. */
  onStartFailure?: 'abort' | 'continue';
  stationDefaults?: FleetStationDefaults;
}

export interface FleetStats extends Omit<StationStats, 'connected'> {
  /** Stations running (started successfully and not closed). */
  stations: number;
  connected: number;
  /** Stations whose start failed (with onStartFailure 'continue'). */
  startFailures: number;
}

export interface Fleet {
  readonly ids: readonly string[];
  start(): Promise<void>;
  close(): Promise<void>;
  station(id: string): SimulatedStation | undefined;
  /** Injects a fault into one station; throws SIM_ERR_OPTIONS_INVALID for an unknown id or an unfit fault. */
  inject(id: string, fault: Fault): void;
  /** Sums of all running stations' counters. */
  stats(): FleetStats;
}

/**
 * Creates a fleet; nothing connects until `start()`.
 * @example
 * const fleet = createFleet({ url: 'mqtt://127.0.0.1:1883', stations, connectConcurrency: 32 });
 * await fleet.start();
 * fleet.inject('HN-AQ-01', { kind: 'gap', durationMs: 600_000 });
 * console.log(fleet.stats()); // { stations, connected, published, acknowledged, failed, ... }
 * await fleet.close();
 */
export function createFleet(options: FleetOptions): Fleet {
  const { url, stations, intervalMs, seed = 1, connectConcurrency = 16, jitterSpreadMs, clock, logger = consoleLogger, onStartFailure = 'abort', stationDefaults = {} } = options;
  if (!(Number.isInteger(connectConcurrency) && connectConcurrency >= 1)) {
    throw new SimulatorError('SIM_ERR_OPTIONS_INVALID', `connectConcurrency must be an integer ≥ 1, got ${connectConcurrency}`);
  }
  const byId = new Map<string, SimulatedStation>();
  for (const cfg of stations) {
    if (byId.has(cfg.id)) throw new SimulatorError('SIM_ERR_OPTIONS_INVALID', `duplicate station id ${cfg.id}`);
    const interval = cfg.intervalMs ?? intervalMs ?? cfg.profile.expectedIntervalSeconds * 1000;
    const spread = jitterSpreadMs ?? Math.min(interval / 2, 10_000);
    const jitterMs = spread > 0 ? Math.floor((deriveSeed(seed, cfg.id, 'jitter') / 2 ** 32) * Math.min(spread, interval)) : 0;
    const stationOptions: SimulatedStationOptions = {
      ...stationDefaults,
      url,
      station: { id: cfg.id, secret: cfg.secret, profile: cfg.profile, ...(cfg.timezone ? { timezone: cfg.timezone } : {}) },
      intervalMs: interval,
      seed: deriveSeed(seed, cfg.id),
      jitterMs,
      logger,
      ...(clock ? { clock } : {}),
      ...(cfg.replay ? { replay: cfg.replay } : {}),
      ...(cfg.metrics ? { metrics: cfg.metrics } : {}),
      ...(cfg.model ? { model: cfg.model } : {}),
    };
    byId.set(cfg.id, createSimulatedStation(stationOptions));
  }
  const running = new Set<SimulatedStation>();
  let startFailures = 0;
  let closing: Promise<void> | undefined;

  async function closeStations(list: readonly SimulatedStation[]): Promise<void> {
    const results = await Promise.allSettled(list.map((s) => s.close()));
    results.forEach((r, i) => {
      if (r.status === 'rejected') logger.error({ stationId: list[i]?.id, err: toError(r.reason) }, 'station close failed');
    });
  }

  return {
    ids: [...byId.keys()],
    async start() {
      if (closing) throw new SimulatorError('SIM_ERR_CLOSED', 'fleet is closed');
      const all = [...byId.values()];
      const outcomes = await mapSettled(all, connectConcurrency, async (s) => {
        await s.start();
        running.add(s);
      });
      const failures = outcomes.filter((o) => !o.result.ok);
      if (failures.length === 0) return;
      const errors = failures.map((o) => (o.result.ok ? createError('QT_ERR_INTERNAL', 'unreachable') : toError(o.result.error)));
      if (onStartFailure === 'continue') {
        startFailures += failures.length;
        failures.forEach((o, i) => logger.error({ stationId: o.item.id, err: errors[i] }, 'station failed to start; fleet continues without it'));
        await closeStations(failures.map((o) => o.item));
        return;
      }
      await closeStations(all);
      running.clear();
      const ids = failures.map((o) => o.item.id);
      throw new SimulatorError(
        'SIM_ERR_FLEET_START',
        `${failures.length} of ${all.length} stations failed to start (${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}): ${errors[0]?.message ?? ''}`,
        { cause: new AggregateError(errors, 'station start failures') },
      );
    },
    close() {
      closing ??= (async () => {
        const list = [...running];
        running.clear();
        await closeStations(list);
      })();
      return closing;
    },
    station(id) {
      return byId.get(id);
    },
    inject(id, fault) {
      const s = byId.get(id);
      if (!s) throw new SimulatorError('SIM_ERR_OPTIONS_INVALID', `no station ${id} in this fleet`);
      s.inject(fault);
    },
    stats() {
      const total: FleetStats = {
        stations: running.size,
        connected: 0,
        startFailures,
        published: 0,
        acknowledged: 0,
        failed: 0,
        readings: 0,
        commandsReceived: 0,
        commandsIgnored: 0,
      };
      for (const s of running) {
        const st = s.stats();
        total.connected += st.connected ? 1 : 0;
        total.published += st.published;
        total.acknowledged += st.acknowledged;
        total.failed += st.failed;
        total.readings += st.readings;
        total.commandsReceived += st.commandsReceived;
        total.commandsIgnored += st.commandsIgnored;
      }
      return total;
    },
  };
}
