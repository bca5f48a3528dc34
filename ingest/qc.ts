/**
 * @module ingest/qc
 * The ingest-time checks of issue 18 in the ingest path: every accepted row of every source (MQTT,
 * HTTP, Circular 10 files, the spool's replay) goes through the per-series evaluator
 * (ingest/qc-evaluator.ts) before it is queued, so it is INSERTed with its `qc` bits; the flags'
 * details are recorded after the batch commit (store/qc-flags.ts, and store/qc-windows.ts for a
 * flat line's earlier readings), one write at a time, off the acknowledgement path. A failure
 * there is logged and never drops a reading.
 *
 * It loads the check configuration (store/qc-config.ts: the shipped defaults < 'default' <
 * 'profile:<id>' < 'station:<id>') and the windows in force or ahead (store/qc-windows.ts) at
 * start, and again on `qcConfigChanged`. With `validation.ingestChecks` off, rows are stored with
 * qc 0 and nothing is loaded.
 */
import type { LoadedProfile } from '../device-profiles/index.js';
import type { EventBus } from '../domain/events.js';
import { baseQcConfig, effectiveQcConfig, type QcConfig, type QcConfigPatch } from '../domain/validation/config.js';
import type { QcWindowSpan } from '../domain/validation/checks.js';
import type { Logger } from '../lib/logger.js';
import type { Db } from '../store/index.js';
import { listQcConfig } from '../store/qc-config.js';
import { recordQcFlags } from '../store/qc-flags.js';
import { flagStoredRange, listActiveWindows, windowSpan } from '../store/qc-windows.js';
import type { StationDirectory } from '../stations/directory.js';
import { compileStationChecks, createQcEvaluator, mergeQc, type QcOutcome, type QcRow, type StationChecks } from './qc-evaluator.js';

/** Windows that ended longer ago than this are not loaded: a backlog older than that is rare, and flagWindow covered it. */
const WINDOW_LOOKBACK_MS = 7 * 24 * 3_600_000;
/** Detail rows per INSERT when recording. */
const RECORD_CHUNK = 5_000;
const OWNER = 'ingest-qc';

export interface IngestQcDeps {
  db: Db;
  profiles: ReadonlyMap<string, LoadedProfile>;
  directory: StationDirectory;
  bus: EventBus;
  logger: Logger;
  /** config.validation.ingestChecks */
  enabled: boolean;
  now?: () => number;
}

export interface IngestQc {
  /** undefined once the configuration is loaded (or the checks are off); else a promise of that. */
  ready(): Promise<void> | undefined;
  /** Sets `qc` on one station's rows (in time order); the flags to record after the commit. */
  check(stationId: string, rows: QcRow[]): QcOutcome | undefined;
  /** The same for rows of any stations (the spool's rows written before the checks existed). */
  checkRows(rows: Array<QcRow & { stationId: string }>): QcOutcome | undefined;
  /** Queues flags of committed rows for recording (serially; failures logged). */
  record(qc: QcOutcome): void;
  /** Re-reads the configuration and the windows. */
  reload(): Promise<void>;
  /** Resolves when every queued flag is recorded (or its failure logged). */
  drain(): Promise<void>;
  /** Series with state (for metrics and tests). */
  readonly series: number;
  close(): void;
}

export function createIngestQc(deps: IngestQcDeps): IngestQc {
  const { db, profiles, directory, bus, logger, enabled } = deps;
  const now = deps.now ?? Date.now;
  let base: QcConfig = baseQcConfig();
  let scopes = new Map<string, QcConfigPatch>();
  let windows = new Map<string, QcWindowSpan[]>();
  /**
   * The checks of a profile's stations that have no configuration of their own and no window:
   * compiled once per profile, not once per station (10,000 stations held 24 MB of identical
   * compiled checks; heap sampling, `bench/fleet-memory.ts --live`). Emptied whenever the
   * configuration or the windows are loaded again; a profile loaded again is another key.
   */
  let shared = new WeakMap<object, StationChecks>();
  const evaluator = createQcEvaluator((stationId) => {
    const station = directory.get(stationId);
    const loaded = station ? profiles.get(station.profileId) : undefined;
    if (!station || !loaded) return undefined;
    const own = scopes.get(`station:${stationId}`);
    const spans = windows.get(stationId);
    const compile = () => {
      const config = effectiveQcConfig(base, scopes.get(`profile:${station.profileId}`), own);
      const ranges = Object.fromEntries(Object.entries(loaded.profile.metrics).map(([m, d]) => [m, d.range]));
      return compileStationChecks(config, ranges, spans ?? []);
    };
    if (own !== undefined || spans !== undefined) return compile();
    let checks = shared.get(loaded);
    if (!checks) shared.set(loaded, (checks = compile()));
    return checks;
  });

  let loading: Promise<void> | undefined;
  let again = false;
  async function load(): Promise<void> {
    const [stored, spans] = await Promise.all([listQcConfig(db), listActiveWindows(db, new Date(now() - WINDOW_LOOKBACK_MS))]);
    scopes = new Map(stored.map((s) => [s.scope, s.config]));
    base = baseQcConfig(scopes.get('default'));
    const byStation = new Map<string, QcWindowSpan[]>();
    for (const w of spans) {
      const list = byStation.get(w.stationId);
      if (list) list.push(windowSpan(w));
      else byStation.set(w.stationId, [windowSpan(w)]);
    }
    windows = byStation;
    shared = new WeakMap();
    evaluator.invalidate();
  }
  /** One load at a time; a change announced during a load loads again after it. */
  function reload(): Promise<void> {
    if (!enabled) return Promise.resolve();
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      do {
        again = false;
        try {
          await load();
        } catch (err) {
          logger.error({ err }, 'loading the check configuration failed: the checks keep the previous one');
        }
      } while (again);
    })().finally(() => {
      loading = undefined;
    });
    return loading;
  }
  let started: Promise<void> | undefined = enabled ? reload().then(() => (started = undefined)) : undefined;
  if (enabled) bus.on(OWNER, 'qcConfigChanged', () => reload());

  let pending: QcOutcome | undefined;
  let writing: Promise<void> | undefined;
  async function write(qc: QcOutcome): Promise<void> {
    for (let i = 0; i < qc.flags.length; i += RECORD_CHUNK) await recordQcFlags(db, qc.flags.slice(i, i + RECORD_CHUNK));
    for (const r of qc.ranges) await flagStoredRange(db, r);
  }
  async function flushPending(): Promise<void> {
    while (pending) {
      const qc = pending;
      pending = undefined;
      try {
        await write(qc);
      } catch (err) {
        logger.error({ err, flags: qc.flags.length, ranges: qc.ranges.length }, 'recording check flags failed (the readings are stored, with their check bits)');
      }
    }
    writing = undefined;
  }

  return {
    ready: () => started,
    check(stationId, rows) {
      if (!enabled) return undefined;
      return evaluator.evaluate(stationId, rows);
    },
    checkRows(rows) {
      if (!enabled) return undefined;
      const byStation = new Map<string, QcRow[]>();
      for (const r of rows) {
        const list = byStation.get(r.stationId);
        if (list) list.push(r);
        else byStation.set(r.stationId, [r]);
      }
      return mergeQc([...byStation].map(([id, rs]) => evaluator.evaluate(id, rs)));
    },
    record(qc) {
      pending = mergeQc([pending, qc]);
      writing ??= flushPending();
    },
    reload,
    async drain() {
      while (writing || loading) await (writing ?? loading);
    },
    get series() {
      return evaluator.series;
    },
    close() {
      bus.removeOwner(OWNER);
    },
  };
}
