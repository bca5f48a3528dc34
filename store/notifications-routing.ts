/**
 * @module store/notifications-routing
 * Where and when the notifier sends: routing policies (ordered by position), mute timings,
 * on-call schedules and escalation chains. SQL only; matching and timing are notify/'s job.
 */
import type { Db } from './db.js';
import type { AlertSeverity } from '../domain/alerts.js';

export type AlertKind = 'observed' | 'forecast';
export type GroupBy = 'none' | 'station' | 'province';

/** Every listed field must match; an absent or empty list matches anything. */
export interface PolicyMatchers {
  severities?: AlertSeverity[];
  provinces?: string[];
  profiles?: string[];
  packs?: string[];
  stations?: string[];
  kinds?: AlertKind[];
}

export interface Policy {
  id: number;
  name: string;
  position: number;
  enabled: boolean;
  matchers: PolicyMatchers;
  contactPointIds: number[];
  /** Keep matching the policies below after this one (otherwise the first match wins). */
  continueMatching: boolean;
  groupBy: GroupBy;
  groupWaitSeconds: number;
  /** Send again while firing (0 = never). */
  repeatIntervalMinutes: number;
  sendResolved: boolean;
  muteTimingIds: number[];
  criticalPassesMute: boolean;
  escalationChainId: number | null;
  updatedAt: Date;
}

export type PolicyInput = Omit<Policy, 'id' | 'position' | 'updatedAt'>;

export interface MuteInterval {
  /** ISO weekdays, 1 = Monday … 7 = Sunday; empty = every day. */
  weekdays: number[];
  /** 'HH:MM' local time; end ≤ start spans midnight. */
  start: string;
  end: string;
}

export interface MuteTiming {
  id: number;
  name: string;
  timeZone: string;
  intervals: MuteInterval[];
  updatedAt: Date;
}

export interface ScheduleRotation {
  /** ISO 8601 with offset: the first shift starts here. */
  startsAt: string;
  shiftHours: number;
  /** Contact point ids, in rotation order. */
  members: number[];
}

export interface ScheduleOverride {
  startsAt: string;
  endsAt: string;
  contactPointId: number;
  note?: string;
}

export interface Schedule {
  id: number;
  name: string;
  timeZone: string;
  rotation: ScheduleRotation;
  overrides: ScheduleOverride[];
  updatedAt: Date;
}

export interface EscalationLevel {
  /** Minutes after the alert fired, unacknowledged, before this level is notified (level 1: usually 0). */
  afterMinutes: number;
  contactPointIds: number[];
  /** Whoever is on call in these schedules at that time. */
  scheduleIds: number[];
}

export interface EscalationChain {
  id: number;
  name: string;
  levels: EscalationLevel[];
  updatedAt: Date;
}

const ids = (a: Array<number | string> | null): number[] => (a ?? []).map(Number);

// ---- policies ------------------------------------------------------------------------------

interface PolicyRow {
  id: number;
  name: string;
  position: number;
  enabled: boolean;
  matchers: PolicyMatchers;
  contact_point_ids: string[];
  continue_matching: boolean;
  group_by: GroupBy;
  group_wait_seconds: number;
  repeat_interval_minutes: number;
  send_resolved: boolean;
  mute_timing_ids: string[];
  critical_passes_mute: boolean;
  escalation_chain_id: number | null;
  updated_at: Date;
}

const POLICY_COLUMNS = `id, name, position, enabled, matchers, contact_point_ids, continue_matching, group_by, group_wait_seconds,
  repeat_interval_minutes, send_resolved, mute_timing_ids, critical_passes_mute, escalation_chain_id, updated_at`;

const toPolicy = (r: PolicyRow): Policy => ({
  id: r.id,
  name: r.name,
  position: r.position,
  enabled: r.enabled,
  matchers: r.matchers,
  contactPointIds: ids(r.contact_point_ids),
  continueMatching: r.continue_matching,
  groupBy: r.group_by,
  groupWaitSeconds: r.group_wait_seconds,
  repeatIntervalMinutes: r.repeat_interval_minutes,
  sendResolved: r.send_resolved,
  muteTimingIds: ids(r.mute_timing_ids),
  criticalPassesMute: r.critical_passes_mute,
  escalationChainId: r.escalation_chain_id,
  updatedAt: r.updated_at,
});

const policyParams = (p: PolicyInput): unknown[] => [
  p.name,
  p.enabled,
  JSON.stringify(p.matchers),
  p.contactPointIds,
  p.continueMatching,
  p.groupBy,
  p.groupWaitSeconds,
  p.repeatIntervalMinutes,
  p.sendResolved,
  p.muteTimingIds,
  p.criticalPassesMute,
  p.escalationChainId,
];

/** Policies in matching order. */
export async function listPolicies(db: Db): Promise<Policy[]> {
  const { rows } = await db.query<PolicyRow>(`SELECT ${POLICY_COLUMNS} FROM notify_policies ORDER BY position, id`);
  return rows.map(toPolicy);
}

/** Appends a policy at the end of the list. */
export async function insertPolicy(db: Db, p: PolicyInput): Promise<Policy> {
  const { rows } = await db.query<PolicyRow>(
    `INSERT INTO notify_policies (name, enabled, matchers, contact_point_ids, continue_matching, group_by, group_wait_seconds,
       repeat_interval_minutes, send_resolved, mute_timing_ids, critical_passes_mute, escalation_chain_id, position)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, (SELECT COALESCE(MAX(position), 0) + 1 FROM notify_policies))
     RETURNING ${POLICY_COLUMNS}`,
    policyParams(p),
  );
  return toPolicy(rows[0]!);
}

export async function updatePolicy(db: Db, id: number, p: PolicyInput): Promise<Policy | undefined> {
  const { rows } = await db.query<PolicyRow>(
    `UPDATE notify_policies SET name = $1, enabled = $2, matchers = $3, contact_point_ids = $4, continue_matching = $5, group_by = $6,
       group_wait_seconds = $7, repeat_interval_minutes = $8, send_resolved = $9, mute_timing_ids = $10, critical_passes_mute = $11,
       escalation_chain_id = $12, updated_at = now() WHERE id = $13 RETURNING ${POLICY_COLUMNS}`,
    [...policyParams(p), id],
  );
  return rows[0] ? toPolicy(rows[0]) : undefined;
}

export async function deletePolicy(db: Db, id: number): Promise<boolean> {
  const r = await db.query(`DELETE FROM notify_policies WHERE id = $1`, [id]);
  return (r.rowCount ?? 0) === 1;
}

/** Swaps a policy with its neighbour above or below; false when it does not exist or is already at that end. */
export async function movePolicy(db: Db, id: number, direction: 'up' | 'down'): Promise<boolean> {
  return db.transaction(async (client) => {
    const { rows } = await client.query<{ id: number; position: number }>(`SELECT id, position FROM notify_policies ORDER BY position, id`);
    const i = rows.findIndex((r) => Number(r.id) === id);
    const j = direction === 'up' ? i - 1 : i + 1;
    if (i < 0 || j < 0 || j >= rows.length) return false;
    // renumber densely, with the two swapped
    const order = rows.map((r) => Number(r.id));
    [order[i], order[j]] = [order[j]!, order[i]!];
    for (const [k, pid] of order.entries()) await client.query(`UPDATE notify_policies SET position = $2 WHERE id = $1`, [pid, k + 1]);
    return true;
  });
}

// ---- mute timings --------------------------------------------------------------------------

interface MuteRow {
  id: number;
  name: string;
  time_zone: string;
  intervals: MuteInterval[];
  updated_at: Date;
}
const toMute = (r: MuteRow): MuteTiming => ({ id: r.id, name: r.name, timeZone: r.time_zone, intervals: r.intervals, updatedAt: r.updated_at });

export async function listMuteTimings(db: Db): Promise<MuteTiming[]> {
  const { rows } = await db.query<MuteRow>(`SELECT id, name, time_zone, intervals, updated_at FROM notify_mute_timings ORDER BY name`);
  return rows.map(toMute);
}

/** Inserts (id undefined) or replaces a mute timing; undefined when the name is taken or the id unknown. */
export async function saveMuteTiming(db: Db, m: Omit<MuteTiming, 'id' | 'updatedAt'>, id?: number): Promise<MuteTiming | undefined> {
  const params = [m.name, m.timeZone, JSON.stringify(m.intervals)];
  const { rows } =
    id === undefined
      ? await db.query<MuteRow>(
          `INSERT INTO notify_mute_timings (name, time_zone, intervals) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING
           RETURNING id, name, time_zone, intervals, updated_at`,
          params,
        )
      : await db.query<MuteRow>(
          `UPDATE notify_mute_timings SET name = $1, time_zone = $2, intervals = $3, updated_at = now() WHERE id = $4
           RETURNING id, name, time_zone, intervals, updated_at`,
          [...params, id],
        );
  return rows[0] ? toMute(rows[0]) : undefined;
}

export async function deleteMuteTiming(db: Db, id: number): Promise<boolean> {
  const r = await db.query(`DELETE FROM notify_mute_timings WHERE id = $1`, [id]);
  return (r.rowCount ?? 0) === 1;
}

// ---- on-call schedules ---------------------------------------------------------------------

interface ScheduleRow {
  id: number;
  name: string;
  time_zone: string;
  rotation: ScheduleRotation;
  overrides: ScheduleOverride[];
  updated_at: Date;
}
const toSchedule = (r: ScheduleRow): Schedule => ({ id: r.id, name: r.name, timeZone: r.time_zone, rotation: r.rotation, overrides: r.overrides, updatedAt: r.updated_at });
const SCHEDULE_COLUMNS = 'id, name, time_zone, rotation, overrides, updated_at';

export async function listSchedules(db: Db): Promise<Schedule[]> {
  const { rows } = await db.query<ScheduleRow>(`SELECT ${SCHEDULE_COLUMNS} FROM notify_schedules ORDER BY name`);
  return rows.map(toSchedule);
}

export async function saveSchedule(db: Db, s: Omit<Schedule, 'id' | 'updatedAt'>, id?: number): Promise<Schedule | undefined> {
  const params = [s.name, s.timeZone, JSON.stringify(s.rotation), JSON.stringify(s.overrides)];
  const { rows } =
    id === undefined
      ? await db.query<ScheduleRow>(
          `INSERT INTO notify_schedules (name, time_zone, rotation, overrides) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING ${SCHEDULE_COLUMNS}`,
          params,
        )
      : await db.query<ScheduleRow>(
          `UPDATE notify_schedules SET name = $1, time_zone = $2, rotation = $3, overrides = $4, updated_at = now() WHERE id = $5 RETURNING ${SCHEDULE_COLUMNS}`,
          [...params, id],
        );
  return rows[0] ? toSchedule(rows[0]) : undefined;
}

export async function deleteSchedule(db: Db, id: number): Promise<boolean> {
  const r = await db.query(`DELETE FROM notify_schedules WHERE id = $1`, [id]);
  return (r.rowCount ?? 0) === 1;
}

// ---- escalation chains ---------------------------------------------------------------------

interface ChainRow {
  id: number;
  name: string;
  levels: EscalationLevel[];
  updated_at: Date;
}
const toChain = (r: ChainRow): EscalationChain => ({ id: r.id, name: r.name, levels: r.levels, updatedAt: r.updated_at });

export async function listEscalationChains(db: Db): Promise<EscalationChain[]> {
  const { rows } = await db.query<ChainRow>(`SELECT id, name, levels, updated_at FROM notify_escalation_chains ORDER BY name`);
  return rows.map(toChain);
}

export async function saveEscalationChain(db: Db, c: Omit<EscalationChain, 'id' | 'updatedAt'>, id?: number): Promise<EscalationChain | undefined> {
  const { rows } =
    id === undefined
      ? await db.query<ChainRow>(`INSERT INTO notify_escalation_chains (name, levels) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id, name, levels, updated_at`, [
          c.name,
          JSON.stringify(c.levels),
        ])
      : await db.query<ChainRow>(`UPDATE notify_escalation_chains SET name = $1, levels = $2, updated_at = now() WHERE id = $3 RETURNING id, name, levels, updated_at`, [
          c.name,
          JSON.stringify(c.levels),
          id,
        ]);
  return rows[0] ? toChain(rows[0]) : undefined;
}

export async function deleteEscalationChain(db: Db, id: number): Promise<boolean> {
  const r = await db.query(`DELETE FROM notify_escalation_chains WHERE id = $1`, [id]);
  return (r.rowCount ?? 0) === 1;
}
