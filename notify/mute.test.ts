import { describe, expect, it } from 'vitest';
import type { MuteTiming } from '../store/notifications-routing.js';
import { intervalCovers, isHeld, isMuteActive, localClock } from './mute.js';

const vn = (iso: string) => Date.parse(`${iso}+07:00`);
const nights: MuteTiming = { id: 1, name: 'Đêm', timeZone: 'Asia/Ho_Chi_Minh', intervals: [{ weekdays: [], start: '22:00', end: '06:00' }], updatedAt: new Date() };

describe('mute timings', () => {
  it('reads the local weekday and time in the time zone, whatever the server zone', () => {
    expect(localClock(vn('2026-03-02T23:30:00'))).toEqual({ weekday: 1, minutes: 23 * 60 + 30 }); // a Monday
    expect(localClock(vn('2026-03-02T23:30:00'), 'UTC')).toEqual({ weekday: 1, minutes: 16 * 60 + 30 });
  });
  it('spans midnight when end ≤ start, counting the early hours to the day before', () => {
    const weekend = { weekdays: [6, 7], start: '22:00', end: '06:00' };
    expect(intervalCovers(weekend, 6, 23 * 60)).toBe(true); // Saturday 23:00
    expect(intervalCovers(weekend, 1, 5 * 60)).toBe(true); // Monday 05:00 belongs to Sunday night
    expect(intervalCovers(weekend, 1, 23 * 60)).toBe(false);
    expect(intervalCovers({ weekdays: [1], start: '08:00', end: '17:00' }, 1, 17 * 60)).toBe(false);
  });
  it('holds a warning at night and lets a critical pass when the policy says so', () => {
    const timings = new Map([[1, nights]]);
    const at = vn('2026-03-03T02:00:00');
    expect(isMuteActive(nights, at)).toBe(true);
    expect(isHeld({ muteTimingIds: [1], criticalPassesMute: true }, timings, 'warning', at)).toBe(true);
    expect(isHeld({ muteTimingIds: [1], criticalPassesMute: true }, timings, 'critical', at)).toBe(false);
    expect(isHeld({ muteTimingIds: [1], criticalPassesMute: false }, timings, 'critical', at)).toBe(true);
    expect(isHeld({ muteTimingIds: [1], criticalPassesMute: true }, timings, 'warning', vn('2026-03-03T09:00:00'))).toBe(false);
  });
});
