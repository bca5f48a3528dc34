/**
 * µg/m³ → ppb/ppm conversion for the gases, so that values Quantrac stores in µg/m³ (the VN
 * convention: QCVN 05:2023 and QĐ 1459 use µg/Nm³ for every pollutant, CO included) can be fed to
 * the US EPA AQI, whose gas breakpoints are mixing ratios (STANDARDS §7).
 *
 * ppb = µg/m³ × Vm / M, with Vm = 24.45 L/mol, the molar volume of an ideal gas at 25 °C and
 * 1 atm (760 mmHg). That is the reference state QCVN 05:2023 defines for Nm³, and the one EPA
 * uses, so no temperature correction is needed for data reported per QCVN 05.
 *
 * @module
 */

/** The gases with a US AQI mixing-ratio column. */
export type GasMetric = 'no2' | 'so2' | 'o3' | 'co';

/** Molar volume of an ideal gas at 25 °C, 101.325 kPa, in L/mol. */
export const MOLAR_VOLUME_25C_L_PER_MOL = 24.45;

/** Molar masses in g/mol (IUPAC standard atomic weights). */
export const MOLAR_MASS_G_PER_MOL: Readonly<Record<GasMetric, number>> = Object.freeze({
  no2: 46.0055,
  so2: 64.066,
  o3: 47.9982,
  co: 28.0101,
});

/**
 * Converts a gas concentration from µg/m³ (25 °C, 1 atm) to ppb.
 *
 * @example ugm3ToPpb('no2', 188.16) // ≈ 100 ppb
 */
export function ugm3ToPpb(gas: GasMetric, ugm3: number): number {
  return (ugm3 * MOLAR_VOLUME_25C_L_PER_MOL) / MOLAR_MASS_G_PER_MOL[gas];
}

/**
 * Converts a gas concentration from µg/m³ (25 °C, 1 atm) to ppm.
 *
 * @example ugm3ToPpm('co', 10000) // ≈ 8.73 ppm
 */
export function ugm3ToPpm(gas: GasMetric, ugm3: number): number {
  return ugm3ToPpb(gas, ugm3) / 1000;
}

/**
 * Converts µg/m³ to the unit of the gas's US AQI breakpoints: ppb for NO2 and SO2, ppm for O3
 * and CO (EPA AQI Technical Assistance Document; STANDARDS §7).
 *
 * @example ugm3ToEpaUnit('o3', 137.4) // ≈ 0.070 ppm
 */
export function ugm3ToEpaUnit(gas: GasMetric, ugm3: number): number {
  return gas === 'no2' || gas === 'so2' ? ugm3ToPpb(gas, ugm3) : ugm3ToPpm(gas, ugm3);
}
