/**
 * @module simulators/faults
 * Faults injectable into a simulated station, as a discriminated union on `kind`, and the engine
 * that applies them to each reading. All durations are in ms of the station's clock; value faults
 * are evaluated at each reading's timestamp (so a backlog replays them faithfully).
 */
import type { DeviceProfile, ReadingPayload, StationStatusCode } from '../device-profiles/types.js';
import { SimulatorError } from './errors.js';
import { shapeValue } from './models.js';
import { HOUR_MS, formatLocalIsoWithoutOffset } from './time.js';

/** How the `malformed` fault breaks the next payload. */
export type MalformedMode =
  /** Truncated JSON text (the closing braces are cut off). */
  | 'invalid-json'
  /** The first metric's value sent as a string, e.g. `"pm25": "41.2"`. */
  | 'string-value'
  /** An extra metric key the profile does not define (`unknown_metric`). */
  | 'unknown-metric'
  /** `ts` in local time without an offset, e.g. `2026-11-22T09:01:00`. */
  | 'no-offset'
  /** A valid reading padded with a `padding` string to `bytes` (default 2 MiB: above ingest's default 1 MiB limit). */
  | 'oversized';

export const MALFORMED_MODES: readonly MalformedMode[] = ['invalid-json', 'string-value', 'unknown-metric', 'no-offset', 'oversized'];

/** The metric key the `unknown-metric` mode adds. */
export const UNKNOWN_METRIC_KEY = 'unknown_metric';
export const DEFAULT_OVERSIZED_BYTES = 2 * 1024 * 1024;

export type Fault =
  /** The next `count` (default 1) readings of `metric` become `value × factor + add` (default ×10). */
  | { kind: 'spike'; metric: string; factor?: number; add?: number; count?: number; /** skip the range clamp */ unclamped?: boolean }
  /** Adds `perHour × hours since injection` to `metric` (sensor drift), for `durationMs` (default: until cleared). */
  | { kind: 'drift'; metric: string; perHour: number; durationMs?: number }
  /** Freezes `metric` at `value` (default: its first value after injection) for `durationMs` (default: until cleared). */
  | { kind: 'stuck'; metric: string; value?: number; durationMs?: number }
  /** Publishes nothing for `durationMs`; then the missed readings go out as one backlog array. */
  | { kind: 'gap'; durationMs: number }
  /** Status 01 (calibrating) for `metrics` during `durationMs`. */
  | { kind: 'calibration'; metrics: readonly string[]; durationMs: number }
  /**
   * Status 02 (device fault) for `metrics` during `durationMs`; the value is dropped (default), 0,
   * or `null` (what ingest stores as a fault-flagged empty value).
   */
  | { kind: 'fault'; metrics: readonly string[]; durationMs: number; value?: 'absent' | 'zero' | 'null' }
  /** The next single-reading payload is broken as `mode` describes. */
  | { kind: 'malformed'; mode: MalformedMode; bytes?: number }
  /** Pollution episode: `metric` ramps to `target` over `rampMs`, holds `holdMs`, decays back over `decayMs`. */
  | { kind: 'episode'; metric: string; target: number; rampMs: number; holdMs: number; decayMs: number };

export type FaultKind = Fault['kind'];
export type MalformedFault = Extract<Fault, { kind: 'malformed' }>;

interface Active {
  fault: Fault;
  /** Clock time of injection. */
  at: number;
  /** Readings left for a spike. */
  left: number;
  /** Captured value for stuck / baseline for episode. */
  captured?: number;
}

export interface GapWindow {
  startedAt: number;
  endsAt: number;
}

/**
 * A reading as the simulators put it on the wire: `ReadingPayload`, except that a value may be
 * `null` when its status is 01/02 (the ingest schema accepts that: a measured-nothing slot).
 */
export type WireReading = Omit<ReadingPayload, 'values'> & { values: Record<string, number | null> };

/** A reading before it is encoded: epoch time, values, status. */
export interface SimReading {
  t: number;
  values: Record<string, number | null>;
  status: Record<string, StationStatusCode>;
}

export interface FaultEngine {
  /** Validates the fault against the profile and activates it at clock time `at`. */
  inject(fault: Fault, at: number): void;
  /** Removes active faults (all, or all of one kind). */
  clear(kind?: FaultKind): void;
  /** Faults currently held (including ones waiting for their next reading). */
  active(): Fault[];
  /** The pending gap window, if a gap was injected and not yet resolved. */
  gap(): GapWindow | undefined;
  /** Forgets the gap once its backlog has been sent. */
  resolveGap(): void;
  /** Applies value and status faults to raw model values; returns the shaped reading. Call in time order. */
  apply(t: number, raw: Readonly<Record<string, number | null>>, status?: Readonly<Record<string, StationStatusCode>>): SimReading;
  /** Dequeues the malformed fault for the next single-reading payload, if any. */
  takeMalformed(): MalformedFault | undefined;
}

function endOf(a: Active): number {
  const f = a.fault;
  switch (f.kind) {
    case 'drift':
    case 'stuck':
      return f.durationMs === undefined ? Infinity : a.at + f.durationMs;
    case 'gap':
    case 'calibration':
    case 'fault':
      return a.at + f.durationMs;
    case 'episode':
      return a.at + f.rampMs + f.holdMs + f.decayMs;
    case 'spike':
    case 'malformed':
      return Infinity; // consumed by count, not time
  }
}

/** Episode envelope 0 → 1 (ramp) → 1 (hold) → 0 (decay), linear pieces. */
export function episodeEnvelope(f: Extract<Fault, { kind: 'episode' }>, elapsedMs: number): number {
  if (elapsedMs < 0) return 0;
  if (elapsedMs < f.rampMs) return elapsedMs / f.rampMs;
  if (elapsedMs < f.rampMs + f.holdMs) return 1;
  const d = elapsedMs - f.rampMs - f.holdMs;
  return d < f.decayMs ? 1 - d / f.decayMs : 0;
}

function validate(fault: Fault, profile: DeviceProfile): void {
  const bad = (msg: string) => new SimulatorError('SIM_ERR_OPTIONS_INVALID', `${fault.kind} fault: ${msg}`);
  const known = (m: string) => {
    if (!Object.hasOwn(profile.metrics, m)) throw bad(`metric "${m}" is not in profile ${profile.id}`);
  };
  const nonNegative = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw bad(`${name} must be a finite number ≥ 0`);
  };
  switch (fault.kind) {
    case 'spike':
      known(fault.metric);
      if (fault.count !== undefined && !(Number.isInteger(fault.count) && fault.count >= 1)) throw bad('count must be an integer ≥ 1');
      return;
    case 'drift':
      known(fault.metric);
      if (!Number.isFinite(fault.perHour)) throw bad('perHour must be finite');
      return nonNegative('durationMs', fault.durationMs);
    case 'stuck':
      known(fault.metric);
      return nonNegative('durationMs', fault.durationMs);
    case 'gap':
      return nonNegative('durationMs', fault.durationMs);
    case 'calibration':
    case 'fault':
      if (fault.metrics.length === 0) throw bad('metrics must not be empty');
      fault.metrics.forEach(known);
      return nonNegative('durationMs', fault.durationMs);
    case 'malformed':
      if (!MALFORMED_MODES.includes(fault.mode)) throw bad(`unknown mode "${String(fault.mode)}"`);
      return nonNegative('bytes', fault.bytes);
    case 'episode':
      known(fault.metric);
      nonNegative('rampMs', fault.rampMs);
      nonNegative('holdMs', fault.holdMs);
      nonNegative('decayMs', fault.decayMs);
      if (!Number.isFinite(fault.target)) throw bad('target must be finite');
      return;
  }
}

/**
 * Creates the fault engine of one station.
 * @example
 * const faults = createFaultEngine(profile);
 * faults.inject({ kind: 'calibration', metrics: ['pm25'], durationMs: 600_000 }, Date.now());
 * faults.apply(t, model.sample(t)); // → status { pm25: '01' } while it lasts
 */
export function createFaultEngine(profile: DeviceProfile): FaultEngine {
  let faults: Active[] = [];
  const malformed: MalformedFault[] = [];
  let gapWindow: GapWindow | undefined;

  function valueFaults(t: number, values: Record<string, number | null>, unclamped: Set<string>): void {
    for (const a of faults) {
      const f = a.fault;
      if (t < a.at && f.kind !== 'spike') continue;
      if (t >= endOf(a)) continue;
      switch (f.kind) {
        case 'episode': {
          const v = values[f.metric];
          if (v === undefined || v === null) break;
          a.captured ??= v;
          values[f.metric] = v + (f.target - a.captured) * episodeEnvelope(f, t - a.at);
          break;
        }
        case 'drift': {
          const v = values[f.metric];
          if (typeof v === 'number') values[f.metric] = v + (f.perHour * (t - a.at)) / HOUR_MS;
          break;
        }
        case 'stuck': {
          const v = values[f.metric];
          if (v === undefined || v === null) break;
          a.captured ??= f.value ?? v;
          values[f.metric] = a.captured;
          break;
        }
        case 'spike': {
          const v = values[f.metric];
          if (v === undefined || v === null || a.left <= 0) break;
          a.left--;
          values[f.metric] = v * (f.factor ?? (f.add === undefined ? 10 : 1)) + (f.add ?? 0);
          if (f.unclamped) unclamped.add(f.metric);
          break;
        }
        default:
          break;
      }
    }
  }

  return {
    inject(fault, at) {
      validate(fault, profile);
      if (fault.kind === 'malformed') {
        malformed.push(fault);
        return;
      }
      if (fault.kind === 'gap') {
        // A gap injected while another is pending extends it; the backlog covers both.
        gapWindow = gapWindow ? { startedAt: gapWindow.startedAt, endsAt: Math.max(gapWindow.endsAt, at + fault.durationMs) } : { startedAt: at, endsAt: at + fault.durationMs };
      }
      faults.push({ fault, at, left: fault.kind === 'spike' ? (fault.count ?? 1) : 0 });
    },
    clear(kind) {
      faults = kind ? faults.filter((a) => a.fault.kind !== kind) : [];
      if (!kind || kind === 'malformed') malformed.length = 0;
      if (!kind || kind === 'gap') gapWindow = undefined;
    },
    active() {
      return [...faults.map((a) => a.fault), ...malformed];
    },
    gap() {
      return gapWindow;
    },
    resolveGap() {
      gapWindow = undefined;
      faults = faults.filter((a) => a.fault.kind !== 'gap');
    },
    apply(t, raw, status = {}) {
      const values: Record<string, number | null> = { ...raw };
      const outStatus = { ...status };
      const unclamped = new Set<string>();
      valueFaults(t, values, unclamped);
      for (const [key, v] of Object.entries(values)) {
        const def = profile.metrics[key];
        if (def && v !== null && !unclamped.has(key)) values[key] = shapeValue(v, def);
      }
      for (const a of faults) {
        const f = a.fault;
        if (t < a.at || t >= endOf(a)) continue;
        if (f.kind === 'calibration') {
          for (const m of f.metrics) if (outStatus[m] !== '02') outStatus[m] = '01';
        } else if (f.kind === 'fault') {
          for (const m of f.metrics) {
            outStatus[m] = '02';
            if (f.value === 'zero') values[m] = 0;
            else if (f.value === 'null') values[m] = null;
            else delete values[m];
          }
        }
      }
      // Time-bound faults that ended before this reading are done (readings come in time order);
      // spikes are done when their count is used up.
      faults = faults.filter((a) => (a.fault.kind === 'spike' ? a.left > 0 : a.fault.kind === 'gap' || t < endOf(a)));
      return { t, values, status: outStatus };
    },
    takeMalformed() {
      return malformed.shift();
    },
  };
}

/** Encodes a reading (or a backlog) as the wire payload; the JSON shape is `ReadingPayload`. */
export function encodeReadings(payload: WireReading | WireReading[]): string {
  return JSON.stringify(payload);
}

/**
 * Encodes one reading broken as the malformed fault says. Each mode breaks exactly one rule of
 * the contract so ingest tests can check each rejection path separately.
 */
export function encodeMalformed(reading: WireReading, t: number, fault: MalformedFault, timeZone?: string): string {
  switch (fault.mode) {
    case 'invalid-json': {
      const text = JSON.stringify(reading);
      return text.slice(0, -2); // drops the closing braces: `{"ts":"…","values":{"pm25":41.2`
    }
    case 'string-value': {
      const entries = Object.entries(reading.values);
      const [key, value] = entries[0] ?? [UNKNOWN_METRIC_KEY, 0];
      return JSON.stringify({ ...reading, values: { ...reading.values, [key]: String(value) } });
    }
    case 'unknown-metric':
      return JSON.stringify({ ...reading, values: { ...reading.values, [UNKNOWN_METRIC_KEY]: 42 } });
    case 'no-offset':
      return JSON.stringify({ ...reading, ts: formatLocalIsoWithoutOffset(t, timeZone) });
    case 'oversized': {
      const bytes = fault.bytes ?? DEFAULT_OVERSIZED_BYTES;
      const base = JSON.stringify({ ...reading, padding: '' });
      return JSON.stringify({ ...reading, padding: 'x'.repeat(Math.max(0, bytes - Buffer.byteLength(base))) });
    }
  }
}
