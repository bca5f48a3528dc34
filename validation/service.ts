/**
 * @module validation/service
 * A reviewer's actions on a station's data (issue 18): invalidate or restore a range of metrics,
 * undo an action, approve a day or a month. Each write checks its input first (a refusal changes
 * nothing), changes `readings.review` in one short transaction (store/validation.ts), then
 * refreshes readings_hourly and readings_daily over the touched buckets, recomputes the stored
 * indices of the touched hours and days (alerts/recompute.ts), and only then emits
 * `validationChanged` (bulletins and open data follow it). Approvals of the touched local days
 * and months are revoked in the action's transaction.
 *
 * Writes run one at a time (a serial queue): the embedded database has one connection and two
 * overlapping refreshes would only repeat work. `close()` waits for the one under way.
 * Reads (series, history, reports) are in validation/reads.ts, the check configuration and the
 * windows in validation/qc-ops.ts (its writes share the queue).
 */
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { EventBus } from '../domain/events.js';
import { INVALIDATION_REASONS, REVIEW, reviewCodeOf, type InvalidationReason } from '../domain/validation/codes.js';
import { createError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { createSerial } from '../lib/serial.js';
import { DAY_MS, timeZoneOr } from '../lib/time.js';
import type { Db } from '../store/db.js';
import type { Station } from '../store/stations.js';
import { applyReview, undoReview, type ValidationAction } from '../store/validation.js';
import { createApproval, type Approval } from '../store/validation-approvals.js';
import type { StationDirectory } from '../stations/directory.js';
import { followChange } from './follow.js';
import { periodRange, touchedPeriods } from './periods.js';
import { createQcOps, type QcOps } from './qc-ops.js';
export type { WindowInput } from './qc-ops.js';
import { createValidationReads, type ValidationReads } from './reads.js';

export interface ValidationServiceDeps {
  db: Db;
  bus: EventBus;
  log: Logger;
  stations: Pick<StationDirectory, 'get' | 'all'>;
  profiles: ReadonlyMap<string, LoadedProfile>;
  config: Readonly<Config>;
  /** The clock ranges and periods are checked against (tests replace it). */
  now?: () => number;
}

export interface ActionInput {
  action: 'invalidate' | 'restore';
  metrics: string[];
  /** ISO 8601 */
  from: string;
  to: string;
  reason?: string | undefined;
  comment?: string | undefined;
}

export interface ValidationService extends ValidationReads, QcOps {
  applyAction(stationId: string, input: ActionInput, username: string): Promise<ValidationAction>;
  undo(stationId: string, actionId: number, username: string, comment?: string): Promise<ValidationAction>;
  approve(stationId: string, input: { period: string; level: 1 | 2; comment?: string | undefined }, username: string): Promise<Approval>;
  /** Waits for the write under way (if any). */
  close(): Promise<void>;
}

/** The longest range one action may change. */
export const MAX_ACTION_DAYS = 366;

export function createValidationService(deps: ValidationServiceDeps): ValidationService {
  const { db, bus, log, config } = deps;
  const now = deps.now ?? Date.now;
  const serial = createSerial();
  const reads = createValidationReads({ ...deps, now });
  let closed = false;
  function write<T>(fn: () => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(createError('QT_ERR_SHUTTING_DOWN', 'validation is shutting down'));
    return serial(fn);
  }
  const qc = createQcOps({ ...deps, now }, write);

  const timeZoneOf = (s: Station) => timeZoneOr(s.timezone, config.timezone);

  function station(id: string): Station {
    const s = deps.stations.get(id);
    if (!s) throw createError('QT_ERR_NOT_FOUND', `Station ${id} does not exist`);
    return s;
  }

  /** The checks of the contract, in its order; nothing has been written when one throws. */
  function checkAction(s: Station, input: ActionInput): { from: Date; to: Date; metrics: string[]; reason: InvalidationReason | null } {
    const from = new Date(input.from);
    const to = new Date(input.to);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw createError('QT_ERR_RANGE_INVALID', 'from/to: must be ISO 8601 times');
    if (from >= to) throw createError('QT_ERR_RANGE_INVALID', 'from: must be earlier than to');
    if (to.getTime() - from.getTime() > MAX_ACTION_DAYS * DAY_MS) throw createError('QT_ERR_RANGE_TOO_LARGE', `from/to: one action covers at most ${MAX_ACTION_DAYS} days`);
    if (to.getTime() > now()) throw createError('QT_ERR_VALIDATION_FUTURE', `to: ${input.to} is in the future; only readings already received can be reviewed`);
    const known = deps.profiles.get(s.profileId)?.profile.metrics ?? {};
    const metrics = [...new Set(input.metrics)];
    if (metrics.length === 0) throw createError('QT_ERR_VALIDATION_INVALID', 'metrics: at least one metric');
    for (const m of metrics) if (!known[m]) throw createError('QT_ERR_METRIC_UNKNOWN', `metrics: "${m}" is not a metric of station ${s.id} (profile ${s.profileId})`);
    let reason: InvalidationReason | null = null;
    if (input.action === 'invalidate') {
      if (input.reason === undefined || !(INVALIDATION_REASONS as readonly string[]).includes(input.reason)) {
        throw createError(
          'QT_ERR_VALIDATION_REASON',
          `reason: ${input.reason === undefined ? 'required to invalidate' : `"${input.reason}" is not one of`} ${INVALIDATION_REASONS.join(', ')}`,
        );
      }
      reason = input.reason as InvalidationReason;
    }
    return { from, to, metrics, reason };
  }

  /** Aggregates, then indices, over the touched range (validation/follow.ts). */
  const follow = (s: Station, from: Date, to: Date, actionId: number) => followChange({ db, log }, s.id, timeZoneOf(s), from, to, { actionId });

  return {
    ...reads,
    ...qc,

    applyAction: (stationId, input, username) =>
      write(async () => {
        const s = station(stationId);
        const { from, to, metrics, reason } = checkAction(s, input);
        const review = reason ? reviewCodeOf(reason) : REVIEW.restored;
        const { action, revoked } = await applyReview(
          db,
          { stationId, action: input.action, metrics, from, to, review, reason, comment: input.comment ?? null, username },
          touchedPeriods(from, to, timeZoneOf(s)),
        );
        await follow(s, from, to, action.id);
        log.info({ stationId, actionId: action.id, action: input.action, metrics, from, to, rows: action.rowsAffected, revoked, username }, 'validation action');
        bus.emit('validationChanged', { stationId, metrics, from: from.getTime(), to: to.getTime(), actionId: action.id, actor: username });
        return action;
      }),

    undo: (stationId, actionId, username, comment) =>
      write(async () => {
        const s = station(stationId);
        const { action, revoked } = await undoReview(db, stationId, actionId, { username, comment: comment ?? null }, (a) => touchedPeriods(a.from, a.to, timeZoneOf(s)));
        await follow(s, action.from, action.to, action.id);
        log.info({ stationId, actionId: action.id, undoes: actionId, rows: action.rowsAffected, revoked, username }, 'validation action undone');
        bus.emit('validationChanged', { stationId, metrics: action.metrics, from: action.from.getTime(), to: action.to.getTime(), actionId: action.id, actor: username });
        return action;
      }),

    approve: (stationId, input, username) =>
      write(async () => {
        const s = station(stationId);
        const range = periodRange(input.period, timeZoneOf(s));
        if (!range) throw createError('QT_ERR_VALIDATION_INVALID', `period: "${input.period}" is not a day (YYYY-MM-DD) or a month (YYYY-MM)`);
        if (range.to > now()) throw createError('QT_ERR_VALIDATION_FUTURE', `period: ${input.period} is not over yet`);
        const approval = await createApproval(db, { stationId, kind: range.kind, period: input.period, level: input.level, username, comment: input.comment ?? null });
        const metrics = Object.keys(deps.profiles.get(s.profileId)?.profile.metrics ?? {});
        bus.emit('validationChanged', { stationId, metrics, from: range.from, to: range.to, actionId: null, actor: username });
        return approval;
      }),

    async close() {
      closed = true;
      await serial(async () => undefined);
    },
  };
}
