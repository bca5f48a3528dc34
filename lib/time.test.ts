import { describe, expect, it } from 'vitest';
import {
  addDays,
  addMonths,
  isValidTimeZone,
  localDate,
  localDayRange,
  localHourOfDay,
  localHourStart,
  localIso,
  localMidnight,
  localMonth,
  localMonthRange,
  localParts,
  localToUtc,
  startOfLocalDay,
  startOfLocalMonth,
  timeZoneOr,
  utcOffsetMinutes,
} from './time.js';

const VN = 'Asia/Ho_Chi_Minh';
const HOUR = 3_600_000;

describe('lib/time in Vietnam (UTC+7, no daylight saving): the same results as the +7 h arithmetic it replaces', () => {
  it('puts 17:00 UTC on the next local day and formats local ISO with +07:00', () => {
    const t = Date.parse('2026-11-21T17:00:00Z');
    expect(localDate(t - 1, VN)).toBe('2026-11-21');
    expect(localDate(t, VN)).toBe('2026-11-22');
    expect(localIso(Date.parse('2026-11-22T02:00:00Z'), VN)).toBe('2026-11-22T09:00:00+07:00');
    expect(localIso(Date.parse('2026-11-22T02:00:00.250Z'), VN)).toBe('2026-11-22T09:00:00.250+07:00');
    expect(utcOffsetMinutes(VN, t)).toBe(420);
  });

  it('agrees with the old offset arithmetic for every hour of two years', () => {
    const off = 7 * HOUR;
    const oldMidnight = (ms: number) => Math.floor((ms + off) / 86_400_000) * 86_400_000 - off;
    for (let t = Date.parse('2025-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += HOUR + 61_000) {
      expect(localMidnight(t, VN)).toBe(oldMidnight(t));
      expect(localDate(t, VN)).toBe(new Date(t + off).toISOString().slice(0, 10));
    }
  });

  it('parses local dates and months, and refuses ones that do not exist', () => {
    expect(startOfLocalDay('2026-11-22', VN)).toBe(Date.parse('2026-11-22T00:00:00+07:00'));
    expect(startOfLocalDay('2026-02-30', VN)).toBeUndefined();
    expect(startOfLocalDay('22/11/2026', VN)).toBeUndefined();
    expect(startOfLocalMonth('2026-12', VN)).toBe(Date.parse('2026-12-01T00:00:00+07:00'));
    expect(startOfLocalMonth('2026-13', VN)).toBeUndefined();
    expect(localMonthRange('2026-12', VN)).toEqual({ from: Date.parse('2026-12-01T00:00:00+07:00'), to: Date.parse('2027-01-01T00:00:00+07:00') });
    expect(localMonth(Date.parse('2026-11-30T17:30:00Z'), VN)).toBe('2026-12');
  });

  it('steps calendar dates and months across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addMonths('2026-12', 1)).toBe('2027-01');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
  });

  it('gives the weekday of the local day, not of the UTC one', () => {
    // Sunday 2026-11-22 00:30 in Hanoi is still Saturday in UTC
    expect(localParts(Date.parse('2026-11-21T17:30:00Z'), VN).weekday).toBe(7);
  });
});

describe('lib/time in a zone with daylight saving: local days are 23 or 25 hours long', () => {
  const PARIS = 'Europe/Paris';
  it('spring forward: 2026-03-29 is 23 hours long in Paris', () => {
    const r = localDayRange('2026-03-29', PARIS)!;
    expect(r.from).toBe(Date.parse('2026-03-28T23:00:00Z'));
    expect((r.to - r.from) / HOUR).toBe(23);
    // 02:30 does not exist that day: it resolves to after the jump
    expect(localIso(localToUtc(2026, 3, 29, 2, 30, 0, PARIS), PARIS)).toBe('2026-03-29T03:30:00+02:00');
  });

  it('fall back: 2026-10-25 is 25 hours long, and an instant in the repeated hour keeps its own offset', () => {
    const r = localDayRange('2026-10-25', PARIS)!;
    expect((r.to - r.from) / HOUR).toBe(25);
    expect(localIso(Date.parse('2026-10-25T00:30:00Z'), PARIS)).toBe('2026-10-25T02:30:00+02:00');
    expect(localIso(Date.parse('2026-10-25T01:30:00Z'), PARIS)).toBe('2026-10-25T02:30:00+01:00');
    expect(localHourStart(Date.parse('2026-10-25T01:30:00Z'), PARIS)).toBe(Date.parse('2026-10-25T01:00:00Z'));
    expect(localMidnight(Date.parse('2026-10-25T20:00:00Z'), PARIS)).toBe(r.from);
  });

  it('gives the local hour of day the calendar fields give, across both transitions and before 1970', () => {
    const checked = [VN, PARIS].flatMap((zone) =>
      [Date.parse('2026-03-28T00:00:00Z'), Date.parse('2026-10-24T00:00:00Z'), Date.parse('1969-12-30T00:00:00Z')].flatMap((start) =>
        Array.from({ length: 72 * 4 }, (_, q) => start + q * 15 * 60_000).map((ms) => [localHourOfDay(ms, zone), localParts(ms, zone).hour]),
      ),
    );
    expect(checked.every(([fast, slow]) => fast === slow)).toBe(true);
    expect(localHourOfDay(Date.parse('2026-10-25T00:30:00Z'), PARIS)).toBe(2);
    expect(localHourOfDay(Date.parse('2026-10-25T01:30:00Z'), PARIS)).toBe(2);
    expect(localHourOfDay(Date.parse('1969-12-31T22:59:00Z'), PARIS)).toBe(23);
  });
});

describe('time zone names', () => {
  it('knows IANA names and refuses others', () => {
    expect(isValidTimeZone(VN)).toBe(true);
    expect(isValidTimeZone('Asia/Saigon')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('timeZoneOr', () => {
  it("keeps a known zone and falls back to the agency's for a missing or unknown one", () => {
    expect(timeZoneOr('Asia/Tokyo', VN)).toBe('Asia/Tokyo');
    expect(timeZoneOr(null, VN)).toBe(VN);
    expect(timeZoneOr('', 'Europe/Paris')).toBe('Europe/Paris');
    expect(timeZoneOr('Mars/Olympus_Mons', VN)).toBe(VN);
    expect(timeZoneOr(undefined)).toBe(VN);
  });
});
