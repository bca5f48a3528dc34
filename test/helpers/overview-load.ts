/**
 * The overview's own API answer, scaled: `count` made-up stations spread over Vietnam beside the
 * real ones, for the browser test and bench/overview-browser.ts (registering 1,000 real stations
 * would spend a minute hashing their secrets, and tests nothing more of the page). The real
 * stations stay in the list: the live stream keeps sending them, as it would.
 */
import type { OverviewSnapshot, StationLive } from '../../domain/live.js';

const STATES = ['online', 'online', 'online', 'stale', 'offline'] as const;
const CATEGORIES = ['good', 'moderate', 'poor', 'bad', 'very-bad', 'hazardous'];

/** `real` with `count` more stations (ids LOAD-0000…, names "Trạm tải 0"…). */
export function scaledOverview(real: OverviewSnapshot, count: number): OverviewSnapshot {
  const made = Array.from({ length: count }, (_, i): StationLive => {
    const aqi = (i * 37) % 320;
    return {
      id: `LOAD-${String(i).padStart(4, '0')}`,
      name: `Trạm tải ${i}`,
      profile: 'air-quality',
      province: i % 2 ? 'Hà Nội' : 'TP. Hồ Chí Minh',
      lat: 9 + ((i * 7919) % 1300) / 100,
      lon: 103.5 + ((i * 104729) % 450) / 100,
      enabled: true,
      state: STATES[i % STATES.length]!,
      lastReadingAt: new Date().toISOString(),
      aqi,
      aqiCategory: CATEGORIES[Math.min(5, Math.floor(aqi / 50))]!,
    };
  });
  return { ...real, stations: [...real.stations, ...made] };
}
