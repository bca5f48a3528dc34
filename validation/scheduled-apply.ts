/**
 * @module validation/scheduled-apply
 * Writes what a scheduled check found over a range (issue 18) so that running it again over the
 * same hours changes nothing: the flags it set there before are compared with the new ones, and
 * only a station whose flags differ (a reading added or dropped, another version or detail) has
 * this check's flags cleared over the range (clearQcFlags) and recorded again (recordQcFlags),
 * a batch of stations at a time (writeCheckFlags). Then (announceChanges), for what changed, the
 * continuous aggregates are refreshed over the touched hours and days
 * (within the limits real-time aggregation needs, store/backfill.ts), the stored indices are
 * recomputed, and `validationChanged` is announced (actor `check:<code>`, no action id) so that
 * bulletins and open data follow, as after a reviewer's action.
 */
import type { EventBus } from '../domain/events.js';
import type { CheckCode } from '../domain/validation/codes.js';
import type { Logger } from '../lib/logger.js';
import { HOUR_MS, localMidnight } from '../lib/time.js';
import { DAILY_AGGREGATE_TIMEZONE, refreshAggregate } from '../store/analytics.js';
import { refreshWindows } from '../store/backfill.js';
import type { Db } from '../store/db.js';
import { clearQcFlags, recordQcFlags, type QcFlag } from '../store/qc-flags.js';
import { listCheckFlags } from '../store/qc-scheduled.js';

export interface ApplyDeps {
  db: Db;
  bus: EventBus;
  logger: Logger;
  now: () => number;
  /** Recomputes a station's stored indices over [from, to) from the validated view (alerts/recompute.ts). */
  recomputeIndices?: ((stationId: string, from: Date, to: Date) => Promise<unknown>) | undefined;
}

/** JSON with keys sorted, so a detail read back from jsonb compares equal to the one computed. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

type Keyed = Map<string, Map<string, string>>; // station → `metric ts` → `version detail`

function keyed(flags: ReadonlyArray<{ stationId: string; metric: string; ts: number; version: number; detail?: unknown }>): Keyed {
  const out: Keyed = new Map();
  for (const f of flags) {
    let station = out.get(f.stationId);
    if (!station) out.set(f.stationId, (station = new Map()));
    station.set(`${f.metric}\u0000${f.ts}`, `${f.version}\u0000${canonical(f.detail ?? null)}`);
  }
  return out;
}

/** The keys (`metric ts`) of one station that are in one set and not the other, or differ. */
function differences(before: ReadonlyMap<string, string> | undefined, after: ReadonlyMap<string, string> | undefined): string[] {
  const out: string[] = [];
  for (const [k, v] of before ?? []) if (after?.get(k) !== v) out.push(k);
  for (const k of (after ?? new Map<string, string>()).keys()) if (!before?.has(k)) out.push(k);
  return out;
}

/** What changed for one station: the metrics and the UTC hours (starts, ms) whose flags differ. */
export interface StationChange {
  metrics: Set<string>;
  hours: Set<number>;
}

export interface WriteResult {
  /** the stations whose flags of this check changed, with what changed */
  changed: Map<string, StationChange>;
  /** flags recorded (readings newly given the bit) */
  flagged: number;
  /** readings whose bit was cleared (including those flagged again) */
  cleared: number;
}

/**
 * Makes `flags` the flags of `check` over [from, to) on `stations` (the flags must be of those
 * stations), writing only what differs: a station whose flags differ has the check's flags
 * cleared over the range and recorded again. What changed is returned for `announceChanges`.
 * A run works a batch of stations at a time (validation/scheduled.ts), so what it holds in memory
 * is bounded by the batch, not by the fleet.
 */
export async function writeCheckFlags(
  deps: Pick<ApplyDeps, 'db'>,
  check: CheckCode,
  from: number,
  to: number,
  stations: readonly string[],
  flags: readonly QcFlag[],
): Promise<WriteResult> {
  const { db } = deps;
  const before = keyed(await listCheckFlags(db, check, new Date(from), new Date(to), stations));
  const after = keyed(flags);
  const changed = new Map<string, StationChange>();
  for (const stationId of new Set([...before.keys(), ...after.keys()])) {
    const diff = differences(before.get(stationId), after.get(stationId));
    if (diff.length === 0) continue;
    const metrics = new Set<string>();
    const hours = new Set<number>();
    for (const k of diff) {
      const [metric, ts] = k.split('\u0000') as [string, string];
      metrics.add(metric);
      hours.add(Math.floor(Number(ts) / HOUR_MS) * HOUR_MS);
    }
    changed.set(stationId, { metrics, hours });
  }
  if (changed.size === 0) return { flagged: 0, cleared: 0, changed };

  let cleared = 0;
  for (const stationId of changed.keys()) cleared += await clearQcFlags(db, stationId, check, new Date(from), new Date(to));
  const flagged = await recordQcFlags(
    db,
    flags.filter((f) => changed.has(f.stationId)),
  );
  return { flagged, cleared, changed };
}

/**
 * After writeCheckFlags: the validated view of the touched buckets changed, so the continuous
 * aggregates are refreshed over them (once for the whole run), then each station's stored indices
 * are recomputed from them, and `validationChanged` is announced.
 */
export async function announceChanges(deps: ApplyDeps, check: CheckCode, changed: ReadonlyMap<string, StationChange>): Promise<void> {
  const { db, bus, logger } = deps;
  if (changed.size === 0) return;
  const hours = new Set<number>();
  const days = new Set<number>();
  for (const c of changed.values())
    for (const h of c.hours) {
      hours.add(h);
      days.add(localMidnight(h, DAILY_AGGREGATE_TIMEZONE));
    }
  const windows = refreshWindows({ hours, days }, deps.now(), DAILY_AGGREGATE_TIMEZONE);
  for (const [f, t] of windows.hourly) await refreshAggregate(db.lane('background', 'scheduled checks refresh'), 'readings_hourly', new Date(f), new Date(t));
  for (const [f, t] of windows.daily) await refreshAggregate(db.lane('background', 'scheduled checks refresh'), 'readings_daily', new Date(f), new Date(t));
  for (const [f, t] of windows.monthly) await refreshAggregate(db.lane('background', 'scheduled checks refresh'), 'readings_monthly', new Date(f), new Date(t));

  for (const [stationId, c] of changed) {
    const first = Math.min(...c.hours);
    const end = Math.max(...c.hours) + HOUR_MS;
    if (deps.recomputeIndices) await deps.recomputeIndices(stationId, new Date(first), new Date(end));
    logger.info({ check, stationId, metrics: [...c.metrics], from: new Date(first), to: new Date(end) }, 'scheduled check changed flags');
    bus.emit('validationChanged', { stationId, metrics: [...c.metrics], from: first, to: end, actionId: null, actor: `check:${check}` });
  }
}
