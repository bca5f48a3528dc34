import { describe, expect, it } from 'vitest';
import { vnAqiDay } from './aqi.js';

describe('vnAqiDay: the VN_AQI day (hours ending 01:00 … 24:00) in the station’s zone', () => {
  it('in Vietnam (default): the hour ending 00:00 local closes the previous day', () => {
    expect(vnAqiDay(Date.parse('2026-03-10T17:00:00Z'))).toEqual({ day: '2026-03-10', firstHourEnd: Date.parse('2026-03-09T18:00:00Z') });
    expect(vnAqiDay(Date.parse('2026-03-10T18:00:00Z'))).toEqual({ day: '2026-03-11', firstHourEnd: Date.parse('2026-03-10T18:00:00Z') });
  });

  it('in Asia/Tokyo (UTC+9) the same hour belongs to the next local day', () => {
    // 16:00 UTC is 01:00 in Tokyo (first hour of 11 March) but 23:00 in Vietnam (10 March)
    const hourEnd = Date.parse('2026-03-10T16:00:00Z');
    expect(vnAqiDay(hourEnd, 'Asia/Ho_Chi_Minh').day).toBe('2026-03-10');
    expect(vnAqiDay(hourEnd, 'Asia/Tokyo')).toEqual({ day: '2026-03-11', firstHourEnd: hourEnd });
  });

  it('in Europe/Paris across the spring change (a 23-hour day)', () => {
    // 29 March 2026: 00:00 local is 23:00 UTC the day before (+01:00); the day's first hour ends at 00:00 UTC
    expect(vnAqiDay(Date.parse('2026-03-29T00:00:00Z'), 'Europe/Paris')).toEqual({ day: '2026-03-29', firstHourEnd: Date.parse('2026-03-29T00:00:00Z') });
    // its last hour ends at 00:00 local on 30 March (+02:00) = 22:00 UTC
    expect(vnAqiDay(Date.parse('2026-03-29T22:00:00Z'), 'Europe/Paris').day).toBe('2026-03-29');
    expect(vnAqiDay(Date.parse('2026-03-29T23:00:00Z'), 'Europe/Paris').day).toBe('2026-03-30');
  });
});
