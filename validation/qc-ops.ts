/**
 * @module validation/qc-ops
 * The check configuration and the scheduled windows as the API changes them (issue 18): a scope's
 * configuration checked against the JSON Schema (errors name the field) and stored with a new
 * version; a station's effective configuration (default < profile < station); calibration and
 * maintenance windows created (readings already stored inside flag at once, bit `window`) and
 * cancelled (their flags cleared). A window over past readings changes the validated view: the
 * aggregates and indices of that part are recomputed (validation/follow.ts). Each change emits
 * `qcConfigChanged` (ingest reloads its checks).
 */
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { EventBus } from '../domain/events.js';
import { QC_CONFIG_SCHEMA, QC_DEFAULTS, baseQcConfig, checkQcConfig, effectiveQcConfig, type QcConfig } from '../domain/validation/config.js';
import { createError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { timeZoneOr } from '../lib/time.js';
import type { Db } from '../store/db.js';
import { getQcConfig, isQcScope, listQcConfig, putQcConfig, type QcConfigScope } from '../store/qc-config.js';
import { cancelWindow, createWindow, flagWindow, getWindow, listWindows, unflagWindow, type QcWindow, type QcWindowKind } from '../store/qc-windows.js';
import type { Station } from '../store/stations.js';
import type { StationDirectory } from '../stations/directory.js';
import { followChange } from './follow.js';

export interface QcOpsDeps {
  db: Db;
  bus: EventBus;
  log: Logger;
  stations: Pick<StationDirectory, 'get'>;
  profiles: ReadonlyMap<string, LoadedProfile>;
  config: Readonly<Config>;
  now: () => number;
}

export interface WindowInput {
  metrics?: string[] | undefined;
  from: string;
  to: string;
  kind: QcWindowKind;
  comment?: string | undefined;
}

export interface QcOps {
  qcConfig(): Promise<{ schema: Record<string, unknown>; defaults: QcConfig; scopes: QcConfigScope[] }>;
  putQcConfig(scope: string, body: unknown, username: string): Promise<QcConfigScope>;
  stationQcConfig(stationId: string): Promise<{ stationId: string; profile: string; config: QcConfig }>;
  windows(stationId: string, q: { from?: string | undefined; to?: string | undefined }): Promise<QcWindow[]>;
  addWindow(stationId: string, input: WindowInput, username: string): Promise<QcWindow>;
  cancelWindow(stationId: string, windowId: number, username: string): Promise<QcWindow>;
}

export function createQcOps(deps: QcOpsDeps, write: <T>(fn: () => Promise<T>) => Promise<T>): QcOps {
  const { db, bus, log, config, now } = deps;

  function station(id: string): Station {
    const s = deps.stations.get(id);
    if (!s) throw createError('QT_ERR_NOT_FOUND', `Station ${id} does not exist`);
    return s;
  }
  const timeZoneOf = (s: Station) => timeZoneOr(s.timezone, config.timezone);

  /** The past part of a window changed the validated view: aggregates and indices follow. */
  async function followPast(s: Station, w: QcWindow): Promise<void> {
    const end = Math.min(w.to.getTime(), now());
    if (w.from.getTime() < end) await followChange({ db, log }, s.id, timeZoneOf(s), w.from, new Date(end), { windowId: w.id });
  }

  return {
    async qcConfig() {
      return { schema: QC_CONFIG_SCHEMA, defaults: QC_DEFAULTS, scopes: await listQcConfig(db) };
    },

    putQcConfig: (scope, body, username) =>
      write(async () => {
        if (!isQcScope(scope)) {
          throw createError('QT_ERR_QC_CONFIG_INVALID', `scope: "${scope}" is not 'default', 'profile:<id>' or 'station:<id>'`, {
            details: { errors: [{ path: 'scope', message: "must be 'default', 'profile:<id>' or 'station:<id>'" }] },
          });
        }
        const checked = checkQcConfig(body);
        if (!checked.ok) {
          const first = checked.errors[0];
          throw createError('QT_ERR_QC_CONFIG_INVALID', first ? `${first.path}: ${first.message}` : 'invalid configuration', { details: { errors: checked.errors } });
        }
        const saved = await putQcConfig(db, scope, checked.config, username);
        bus.emit('qcConfigChanged', {});
        return saved;
      }),

    async stationQcConfig(stationId) {
      const s = station(stationId);
      const [base, profile, own] = await Promise.all([getQcConfig(db, 'default'), getQcConfig(db, `profile:${s.profileId}`), getQcConfig(db, `station:${s.id}`)]);
      return { stationId: s.id, profile: s.profileId, config: effectiveQcConfig(baseQcConfig(base?.config), profile?.config, own?.config) };
    },

    async windows(stationId, q) {
      const s = station(stationId);
      const from = q.from === undefined ? undefined : new Date(q.from);
      const to = q.to === undefined ? undefined : new Date(q.to);
      if (from && to && from >= to) throw createError('QT_ERR_RANGE_INVALID', 'from: must be earlier than to');
      return listWindows(db, s.id, from, to);
    },

    addWindow: (stationId, input, username) =>
      write(async () => {
        const s = station(stationId);
        const from = new Date(input.from);
        const to = new Date(input.to);
        if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) throw createError('QT_ERR_RANGE_INVALID', 'from: must be an ISO 8601 time earlier than to');
        const known = deps.profiles.get(s.profileId)?.profile.metrics ?? {};
        for (const m of input.metrics ?? [])
          if (!known[m]) throw createError('QT_ERR_METRIC_UNKNOWN', `metrics: "${m}" is not a metric of station ${s.id} (profile ${s.profileId})`);
        const w = await createWindow(db, { stationId: s.id, metrics: input.metrics ?? null, from, to, kind: input.kind, comment: input.comment ?? null, createdBy: username });
        if (from.getTime() < now()) {
          const flagged = await flagWindow(db, w);
          if (flagged > 0) await followPast(s, w);
        }
        bus.emit('qcConfigChanged', {});
        return w;
      }),

    cancelWindow: (stationId, windowId, username) =>
      write(async () => {
        const s = station(stationId);
        const existing = await getWindow(db, windowId);
        if (!existing || existing.stationId !== s.id) throw createError('QT_ERR_NOT_FOUND', `Window ${windowId} of station ${s.id} does not exist`);
        const w = await cancelWindow(db, windowId, username);
        if (!w) throw createError('QT_ERR_CONFLICT', `window ${windowId} was already cancelled`);
        if (w.from.getTime() < now()) {
          const cleared = await unflagWindow(db, w);
          if (cleared > 0) await followPast(s, w);
        }
        bus.emit('qcConfigChanged', {});
        return w;
      }),
  };
}
