/**
 * @module bulletins/revise
 * Which published bulletins a validation change makes out of date (issue 18): when a reviewer
 * invalidates, restores or undoes readings of a station over [from, to) (the bus's
 * `validationChanged`, emitted after the aggregates and indices are recomputed), every CURRENT
 * bulletin of the whole system or of the station's province whose period (its day, or its month)
 * overlaps the change is produced again as a new version, with the reason ("validation: pm25 of
 * S1 invalidated (instrument_fault) by reviewer X, action 12"). Bulletins not yet published are
 * left to the schedule. An approval (no action) changes no figure: no revision.
 *
 * bulletins/ does not import validation/: it only listens on the bus.
 */
import type { EventBus, EventMap } from '../domain/events.js';
import type { Logger } from '../lib/logger.js';
import { localDate } from '../lib/time.js';
import { currentBulletinsOverlapping } from '../store/bulletins.js';
import type { Db } from '../store/index.js';
import { getStation } from '../store/stations.js';
import { validationActionSummary } from '../store/validation-levels.js';
import type { BulletinRequest } from './index.js';
import { scopeOf } from './period.js';

const PAST = { invalidate: 'invalidated', restore: 'restored', undo: 'changed back (undo)' } as Record<string, string>;

export interface RevisionDeps {
  db: Db;
  bus: EventBus;
  logger: Logger;
  /** the agency's zone: bulletin days and months are on its calendar */
  timeZone: string;
  /** Runs `fn` off the caller's path, one at a time with the other bulletin runs. */
  schedule(fn: () => Promise<void>): void;
  /** Produces one bulletin's new version (called from inside a scheduled run). */
  produce(req: BulletinRequest, reason: string): Promise<unknown>;
}

/** The revision reason of a validation change. */
export async function revisionReason(db: Db, e: EventMap['validationChanged']): Promise<string> {
  const action = e.actionId === null ? undefined : await validationActionSummary(db, e.actionId);
  const metrics = (action?.metrics ?? e.metrics).join(', ') || 'data';
  const what = action ? (PAST[action.action] ?? action.action) : 'changed';
  const why = action?.reason ? ` (${action.reason})` : '';
  return `validation: ${metrics} of ${e.stationId} ${what}${why} by ${action?.username ?? e.actor}${e.actionId === null ? '' : `, action ${e.actionId}`}`;
}

/** The bulletins to produce again after a change: current ones of the station's scopes overlapping its days. */
export async function bulletinsToRevise(db: Db, e: EventMap['validationChanged'], timeZone: string): Promise<BulletinRequest[]> {
  if (e.to <= e.from) return [];
  const station = await getStation(db, e.stationId);
  const scopes = new Set(['all', ...(station?.province ? [scopeOf(station.province)] : [])]);
  const current = await currentBulletinsOverlapping(db, localDate(e.from, timeZone), localDate(e.to - 1, timeZone));
  return current
    .filter((b) => scopes.has(b.scope))
    .map((b) => ({ kind: b.kind, period: b.kind === 'daily' ? b.periodStart : b.periodStart.slice(0, 7), scope: b.scope as BulletinRequest['scope'] }));
}

export function listenForRevisions(deps: RevisionDeps): void {
  const { db, bus, logger, timeZone } = deps;
  bus.on('bulletins', 'validationChanged', (e) => {
    if (e.actionId === null) return;
    deps.schedule(async () => {
      const [reqs, reason] = await Promise.all([bulletinsToRevise(db, e, timeZone), revisionReason(db, e)]);
      if (reqs.length > 0) logger.info({ stationId: e.stationId, actionId: e.actionId, bulletins: reqs.length }, 'validation changed: revising published bulletins');
      for (const req of reqs) {
        try {
          await deps.produce(req, reason);
        } catch (err) {
          logger.error({ err, ...req, actionId: e.actionId }, 'revising a bulletin failed');
        }
      }
    });
  });
}
