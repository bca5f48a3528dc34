/**
 * @module validation/follow
 * What follows a change of the validated view over a station's range (a reviewer's action, a
 * window flagging or unflagging stored readings): readings_hourly, readings_daily and readings_monthly re-materialized
 * over the touched buckets that were materialized already (validation/periods.ts: the newer ones
 * are real-time), then the stored indices of the touched hours
 * and days recomputed (alerts/recompute.ts). A failure is logged: the change itself is committed
 * and recorded, and the aggregates' refresh policy catches up later.
 */
import { recomputeIndices } from '../alerts/recompute.js';
import type { Logger } from '../lib/logger.js';
import { refreshAggregate } from '../store/analytics.js';
import type { Db } from '../store/db.js';
import { aggregateWatermarks } from '../store/validation.js';
import { aggregateWindows } from './periods.js';

export async function followChange(deps: { db: Db; log: Logger }, stationId: string, timeZone: string, from: Date, to: Date, what: Record<string, unknown>): Promise<void> {
  try {
    const w = aggregateWindows(from, to, await aggregateWatermarks(deps.db));
    if (w.hourly) await refreshAggregate(deps.db.lane('background', 'validation refresh'), 'readings_hourly', w.hourly.from, w.hourly.to);
    if (w.daily) await refreshAggregate(deps.db.lane('background', 'validation refresh'), 'readings_daily', w.daily.from, w.daily.to);
    if (w.monthly) await refreshAggregate(deps.db.lane('background', 'validation refresh'), 'readings_monthly', w.monthly.from, w.monthly.to);
    await recomputeIndices({ db: deps.db, log: deps.log, timeZone }, stationId, from, to);
  } catch (err) {
    deps.log.error({ err, stationId, from, to, ...what }, 'recomputing aggregates and indices after a validation change failed');
  }
}
