import { describe, expect, it } from 'vitest';
import { onCallAt, shiftEndsAt } from './oncall.js';

const schedule = {
  rotation: { startsAt: '2026-01-05T08:00:00+07:00', shiftHours: 12, members: [11, 12, 13] },
  overrides: [{ startsAt: '2026-01-29T00:00:00+07:00', endsAt: '2026-02-02T00:00:00+07:00', contactPointId: 99, note: 'Tết' }],
};
const vn = (iso: string) => Date.parse(`${iso}+07:00`);

describe('on-call rotation', () => {
  it('hands over every shift in order, from the start', () => {
    expect(onCallAt(schedule, vn('2026-01-05T07:59:00'))).toBeUndefined();
    expect(onCallAt(schedule, vn('2026-01-05T08:00:00'))).toBe(11);
    expect(onCallAt(schedule, vn('2026-01-05T20:00:00'))).toBe(12);
    expect(onCallAt(schedule, vn('2026-01-06T08:00:00'))).toBe(13);
    expect(onCallAt(schedule, vn('2026-01-06T20:00:00'))).toBe(11);
    expect(shiftEndsAt(schedule, vn('2026-01-05T09:00:00'))).toBe(vn('2026-01-05T20:00:00'));
  });
  it('lets an override (a holiday) win over the rotation', () => {
    expect(onCallAt(schedule, vn('2026-01-30T10:00:00'))).toBe(99);
    expect(onCallAt(schedule, vn('2026-02-02T10:00:00'))).not.toBe(99);
  });
});
