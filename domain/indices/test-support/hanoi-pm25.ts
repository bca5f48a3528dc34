/**
 * Test support: reads the US Embassy Hanoi hourly PM2.5 files (StateAir/AirNow, public domain;
 * /work/shared/data/hanoi-pm25/README.md) into typed rows keyed by an absolute hour number, so
 * that NowCast windows are built from timestamps, not row positions (the files skip hours).
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** One published hour. `-999` values are mapped to `null`. */
export interface HanoiHour {
  /** Hours since the Unix epoch of the hour-ending label, reading local time as if UTC (no DST in Vietnam). */
  readonly hour: number;
  readonly label: string;
  readonly nowcast: number | null;
  readonly aqi: number | null;
  /** Published AQI category name, `N/A` when none. */
  readonly category: string;
  readonly raw: number | null;
  readonly qc: string;
}

const MISSING = -999;

function orNull(text: string | undefined): number | null {
  const value = Number(text);
  if (text === undefined || text === '' || !Number.isFinite(value) || value === MISSING) return null;
  return value;
}

/** Parses one of the StateAir CSV files located by a `file:` URL. */
export function loadHanoiPm25(url: URL): HanoiHour[] {
  const lines = readFileSync(url, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = lines.shift()?.split(',') ?? [];
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`hanoi-pm25: column ${name} missing`);
    return i;
  };
  const [cYear, cMonth, cDay, cHour] = [col('Year'), col('Month'), col('Day'), col('Hour')];
  const [cNow, cAqi, cCat, cRaw, cQc, cLabel] = [col('NowCast Conc.'), col('AQI'), col('AQI Category'), col('Raw Conc.'), col('QC Name'), col('Date (LT)')];
  return lines.map((line) => {
    const f = line.split(',');
    const hour = Date.UTC(Number(f[cYear]), Number(f[cMonth]) - 1, Number(f[cDay]), Number(f[cHour])) / 3_600_000;
    return {
      hour,
      label: f[cLabel] ?? '',
      nowcast: orNull(f[cNow]),
      aqi: orNull(f[cAqi]),
      category: f[cCat] ?? '',
      raw: orNull(f[cRaw]),
      qc: f[cQc] ?? '',
    };
  });
}

/**
 * The 12-hour window ending at `hour`, newest first, from a map of usable hourly means.
 * Absent hours (not in the file, or excluded by the caller) are `null`.
 */
export function windowEndingAt(usable: ReadonlyMap<number, number>, hour: number, length = 12): (number | null)[] {
  return Array.from({ length }, (_, age) => usable.get(hour - age) ?? null);
}
