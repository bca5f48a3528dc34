import { describe, expect, it } from 'vitest';
import { ugm3ToEpaUnit, ugm3ToPpb, ugm3ToPpm } from './gas-units.js';

describe('gas unit conversion at 25 °C (24.45 L/mol)', () => {
  it('matches the usual conversion factors', () => {
    // Textbook factors at 25 °C: 1 ppb NO2 = 1.88 µg/m³, SO2 = 2.62, O3 = 1.96; 1 ppm CO = 1.145 mg/m³.
    expect(ugm3ToPpb('no2', 1.8816)).toBeCloseTo(1, 3);
    expect(ugm3ToPpb('so2', 2.6203)).toBeCloseTo(1, 3);
    expect(ugm3ToPpb('o3', 1.9631)).toBeCloseTo(1, 3);
    expect(ugm3ToPpm('co', 1145.6)).toBeCloseTo(1, 3);
  });

  it('picks the EPA unit per gas', () => {
    // QCVN 05:2023 NO2 1 h limit 200 µg/m³ ≈ 106 ppb; CO 30 000 µg/m³ ≈ 26.2 ppm.
    expect(ugm3ToEpaUnit('no2', 200)).toBeCloseTo(106.29, 2);
    expect(ugm3ToEpaUnit('co', 30000)).toBeCloseTo(26.187, 3);
    expect(ugm3ToEpaUnit('o3', 200)).toBeCloseTo(0.10188, 5);
    expect(ugm3ToEpaUnit('so2', 350)).toBeCloseTo(133.57, 2);
  });
});
