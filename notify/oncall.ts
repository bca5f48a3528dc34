/**
 * @module notify/oncall
 * Who is on call: a rotation of contact points by fixed shift length from a start time
 * (08:00 Vietnam time handovers are written `2026-01-05T08:00:00+07:00`), and overrides
 * (holidays, swaps) that win over the rotation; the last listed override covering a time wins.
 * Shifts are counted in absolute hours, which is local time in Vietnam (no daylight saving).
 */
import type { Schedule } from '../store/notifications-routing.js';

/** The contact point id on call at `at`, or undefined (no members, or before the first shift). */
export function onCallAt(schedule: Pick<Schedule, 'rotation' | 'overrides'>, at: number): number | undefined {
  for (let i = schedule.overrides.length - 1; i >= 0; i--) {
    const o = schedule.overrides[i]!;
    if (Date.parse(o.startsAt) <= at && at < Date.parse(o.endsAt)) return o.contactPointId;
  }
  const { startsAt, shiftHours, members } = schedule.rotation;
  const start = Date.parse(startsAt);
  if (members.length === 0 || !Number.isFinite(start) || at < start || !(shiftHours > 0)) return undefined;
  const shift = Math.floor((at - start) / (shiftHours * 3_600_000));
  return members[shift % members.length];
}

/** When the shift holding `at` ends (the next handover), or undefined. */
export function shiftEndsAt(schedule: Pick<Schedule, 'rotation'>, at: number): number | undefined {
  const start = Date.parse(schedule.rotation.startsAt);
  const ms = schedule.rotation.shiftHours * 3_600_000;
  if (!Number.isFinite(start) || at < start || !(ms > 0)) return undefined;
  return start + (Math.floor((at - start) / ms) + 1) * ms;
}
