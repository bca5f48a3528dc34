/**
 * @module simulators/hanoi-replay
 * Replays the real US Embassy Hanoi hourly PM2.5 series (/work/shared/data/hanoi-pm25) as the PM2.5
 * source of a simulated air-quality station.
 *
 * Mapping: an instant is projected onto the same local month/day/hour(:minute) of the series year
 * (29 Feb → 28 Feb) and the value is interpolated linearly between the two surrounding hourly rows.
 * Rows are keyed by their `Month/Day/Hour` label (the file's hours are hour-ending: the row labelled
 * 09:00 is the mean of 08:00–09:00; we replay it at 09:00, as a datalogger would stamp it).
 * `Missing`/`Invalid` rows, -999 values and hours absent from the file are gaps: within half an
 * hour of a gap hour the replay has no value (the station then omits pm25, or sends status 02).
 *
 * Speed: with `speed` > 1 only the *value source* runs faster. The replay instant is
 * `from + (t − origin) × speed`; the station still stamps readings with the real current time. At
 * speed 1440 one replayed day passes per real minute, so a demo shows a whole diurnal cycle (or a
 * winter episode, with `from` set to it) in minutes.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SimulatorError } from './errors.js';
import { localParts } from './time.js';

/**
 * Default series: `shared/data/hanoi-pm25/Hanoi_PM2.5_2018.csv` beside the checkout (the project's
 * shared material), found from this module upwards so the compiled build (dist/simulators/) finds
 * the same file as the sources.
 */
export const DEFAULT_HANOI_CSV = findUpwards('shared/data/hanoi-pm25/Hanoi_PM2.5_2018.csv');

function findUpwards(relativePath: string): URL {
  let dir = new URL('./', import.meta.url);
  for (let i = 0; i < 5; i++) {
    const candidate = new URL(relativePath, dir);
    if (existsSync(candidate)) return candidate;
    dir = new URL('../', dir);
  }
  // not found: the seen-from-sources location, so the error names a sensible path
  return new URL(`../../${relativePath}`, import.meta.url);
}

const HOURS_PER_YEAR = 365 * 24;
/** Cumulative days before each month of a non-leap year. */
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334] as const;

export type ReplayGapReason = 'missing' | 'invalid' | 'absent';

/** What the series says at an instant. */
export type ReplaySample =
  { kind: 'value'; value: number; /** replayed series instant label, e.g. '01-15 09:30' */ at: string } | { kind: 'gap'; reason: ReplayGapReason; at: string };

export interface HanoiReplayOptions {
  /** CSV path or file URL (default {@link DEFAULT_HANOI_CSV}). */
  csvPath?: string | URL;
  /** Replay speed factor (default 1: real time). Must be > 0. */
  speed?: number;
  /** Real instant at which the replay is anchored (default: the first query). */
  origin?: number;
  /** Replayed instant that corresponds to `origin` (default: `origin` itself). */
  from?: number;
}

export interface HanoiReplay {
  /** Hours with a row in the file. */
  readonly rows: number;
  /** Hours whose row is valid. */
  readonly validHours: number;
  readonly speed: number;
  /** The replayed (series) instant for a real instant `epochMs`. */
  replayInstant(epochMs: number): number;
  /** The series at real instant `epochMs` (speed applied). */
  sample(epochMs: number): ReplaySample;
  /** Shorthand: the PM2.5 value at `epochMs`, or undefined in a gap. */
  valueAt(epochMs: number): number | undefined;
}

/** Slot of an hour in a 365-day year: day-of-year × 24 + hour. 29 Feb folds onto 28 Feb. */
function slotOf(month: number, day: number, hour: number): number {
  const dayIndex = (DAYS_BEFORE_MONTH[month - 1] ?? 0) + (month === 2 && day === 29 ? 28 : day) - 1;
  return dayIndex * 24 + hour;
}

type Slot = { kind: 'value'; value: number } | { kind: 'gap'; reason: Exclude<ReplayGapReason, 'absent'> };

/** Parses the StateAir CSV (header-named columns, CRLF or LF) into 8760 hour slots. */
export function parseHanoiCsv(text: string, source = 'CSV'): { slots: Array<Slot | undefined>; rows: number } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new SimulatorError('SIM_ERR_REPLAY_FILE_INVALID', `${source}: missing column "${name}"`);
    return i;
  };
  const iMonth = col('Month');
  const iDay = col('Day');
  const iHour = col('Hour');
  const iRaw = col('Raw Conc.');
  const iQc = col('QC Name');
  const slots: Array<Slot | undefined> = new Array<Slot | undefined>(HOURS_PER_YEAR).fill(undefined);
  let rows = 0;
  for (let n = 1; n < lines.length; n++) {
    const cells = (lines[n] ?? '').split(',');
    const month = Number(cells[iMonth]);
    const day = Number(cells[iDay]);
    const hour = Number(cells[iHour]);
    const raw = Number(cells[iRaw]);
    const qc = (cells[iQc] ?? '').trim();
    if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour >= 0 && hour <= 23)) {
      throw new SimulatorError('SIM_ERR_REPLAY_FILE_INVALID', `${source}: line ${n + 1} has no valid Month/Day/Hour`);
    }
    rows++;
    const slot = slotOf(month, day, hour);
    if (qc === 'Missing' || raw === -999 || !Number.isFinite(raw)) slots[slot] = { kind: 'gap', reason: 'missing' };
    else if (qc === 'Invalid') slots[slot] = { kind: 'gap', reason: 'invalid' };
    // 'Valid' (and 'Suspect' in the 2019 file) replay as measured; a slightly negative valid hour
    // (instrument zero drift, e.g. -2.0 on 2018-09-03) is clamped to the metric range by the station.
    else slots[slot] = { kind: 'value', value: raw };
  }
  if (rows === 0) throw new SimulatorError('SIM_ERR_REPLAY_FILE_INVALID', `${source}: no data rows`);
  return { slots, rows };
}

function label(slot: number, minute: number): string {
  const dayIndex = Math.floor(slot / 24);
  let month = 1;
  while (month < 12 && (DAYS_BEFORE_MONTH[month] ?? Infinity) <= dayIndex) month++;
  const day = dayIndex - (DAYS_BEFORE_MONTH[month - 1] ?? 0) + 1;
  const pad = (v: number) => String(v).padStart(2, '0');
  return `${pad(month)}-${pad(day)} ${pad(slot % 24)}:${pad(minute)}`;
}

/**
 * Loads the Hanoi PM2.5 series. Rejects with `SIM_ERR_REPLAY_FILE_MISSING` (naming the path) when
 * the file does not exist, `SIM_ERR_REPLAY_FILE_INVALID` when it is not the expected CSV.
 * @example
 * const replay = await loadHanoiReplay({ speed: 1440 }); // one replayed day per real minute
 * replay.valueAt(Date.now()); // µg/m³ or undefined (gap)
 */
export async function loadHanoiReplay({ csvPath = DEFAULT_HANOI_CSV, speed = 1, origin, from }: HanoiReplayOptions = {}): Promise<HanoiReplay> {
  if (!(speed > 0 && Number.isFinite(speed))) {
    throw new SimulatorError('SIM_ERR_OPTIONS_INVALID', `replay speed must be a positive number, got ${speed}`);
  }
  const path = csvPath instanceof URL ? fileURLToPath(csvPath) : csvPath;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new SimulatorError('SIM_ERR_REPLAY_FILE_MISSING', `Hanoi PM2.5 replay file not found: ${path}`, { cause: err });
    }
    throw new SimulatorError('SIM_ERR_REPLAY_FILE_INVALID', `cannot read Hanoi PM2.5 replay file ${path}`, { cause: err });
  }
  const { slots, rows } = parseHanoiCsv(text, path);
  const validHours = slots.filter((s) => s?.kind === 'value').length;
  let anchor = origin;

  function replayInstant(epochMs: number): number {
    if (anchor === undefined) anchor = epochMs;
    const base = from ?? anchor;
    return base + (epochMs - anchor) * speed;
  }

  function sample(epochMs: number): ReplaySample {
    const local = localParts(replayInstant(epochMs));
    const slot0 = slotOf(local.month, local.day, local.hour);
    const frac = (local.hourOfDay - local.hour) % 1; // fraction of the hour, 0 ≤ frac < 1
    const at = label(slot0, Math.floor(frac * 60));
    const a = slots[slot0];
    const b = slots[(slot0 + 1) % HOURS_PER_YEAR];
    if (frac === 0 || (a?.kind === 'value' && b?.kind !== 'value' && frac < 0.5)) {
      return a?.kind === 'value' ? { kind: 'value', value: a.value, at } : { kind: 'gap', reason: a?.reason ?? 'absent', at };
    }
    if (a?.kind === 'value' && b?.kind === 'value') {
      return { kind: 'value', value: a.value + (b.value - a.value) * frac, at };
    }
    if (b?.kind === 'value' && frac >= 0.5) return { kind: 'value', value: b.value, at };
    const gap = a?.kind === 'value' ? b : a;
    return { kind: 'gap', reason: gap?.kind === 'gap' ? gap.reason : 'absent', at };
  }

  return {
    rows,
    validHours,
    speed,
    replayInstant,
    sample,
    valueAt(epochMs) {
      const s = sample(epochMs);
      return s.kind === 'value' ? s.value : undefined;
    },
  };
}
