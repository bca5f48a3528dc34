import { describe, expect, it } from 'vitest';
import * as indices from './index.js';

describe('alerts/indices public surface', () => {
  it('exposes the calculators', () => {
    for (const name of [
      'nowcast',
      'hourlyVnAqi',
      'dailyVnAqi',
      'subIndex',
      'buildHourlyVnAqiInput',
      'buildDailyVnAqiInput',
      'usAqi',
      'usAqiSubIndex',
      'ugm3ToEpaUnit',
      'vnWqi',
      'wqiSubIndex',
      'vnAqiCategory',
      'vnWqiClass',
      'usAqiCategory',
    ] as const) {
      expect(typeof indices[name], name).toBe('function');
    }
  });

  it('chains µg/m³ → EPA units → US AQI', () => {
    // NO2 200 µg/m³ ≈ 106.29 ppb → truncated 106 → 101 + 49/259·5 = 101.95 → 102
    expect(indices.usAqi({ no2: indices.ugm3ToEpaUnit('no2', 200) })?.aqi).toBe(102);
  });
});
