/**
 * @module domain/validation/config
 * The configuration of the automatic checks (issue 18) as data: its type, its JSON Schema (draft-07,
 * `additionalProperties: false` everywhere so a typo is named), the shipped defaults, the ajv check
 * whose errors name the field by JSON pointer, and the merge of the scopes a station's effective
 * configuration is made of: defaults < 'default' < 'profile:<id>' < 'station:<id>' (store/qc-config.ts).
 *
 * Each check has `enabled`, a `version` (an integer recorded with each flag in qc_flags, bumped when
 * the check's logic or parameters change: putQcConfig bumps it when a scope changes a check's
 * parameters, see `bumpVersions`) and its parameters, with per-metric overrides in `metrics` where
 * it matters. The merge is per check: a scope that says `{ spike: { k: 8 } }` changes k only;
 * `metrics` (and spatial `minDelta`) maps are merged per metric; arrays (cross pairs, ignore lists)
 * are replaced whole.
 *
 * The defaults were chosen so that none of them flags the normal simulated data of any profile
 * (simulators/models) nor the real Hanoi PM2.5 year replayed minute by minute; test/validation-
 * checks.test.ts runs them over those series.
 */
import { Ajv, type ErrorObject } from 'ajv';

/** Per-metric overrides of the spike check. */
export interface SpikeMetric {
  enabled?: boolean;
  window?: number;
  k?: number;
  minDelta?: number;
}
/** A value far from the median of the previous `window` values: |v − median| > max(k × 1.4826 × MAD, minDelta). */
export interface SpikeConfig {
  enabled: boolean;
  version: number;
  /** how many previous values the median and MAD are taken over */
  window: number;
  /** fewer previous values (after a start or a gap): not judged */
  minValues: number;
  k: number;
  /** the smallest deviation that flags, in the metric's unit (per metric in `metrics`) */
  minDelta: number;
  /** the floor of the limit as a share of the metric's range in its device profile, for metrics without their own minDelta */
  minDeltaRangeShare: number;
  /** previous values older than this (a gap) are forgotten, minutes */
  maxGapMinutes: number;
  metrics: Record<string, SpikeMetric>;
}

export interface FlatlineMetric {
  enabled?: boolean;
  count?: number;
  ignore?: number[];
}
/** The same value `count` readings in a row (values in `ignore` never count: rain 0, a saturated RH of 100). */
export interface FlatlineConfig {
  enabled: boolean;
  version: number;
  count: number;
  ignore: number[];
  metrics: Record<string, FlatlineMetric>;
}

/** A change from the previous reading faster than the metric's limit: off unless a metric has `maxPerMinute`. */
export interface RateConfig {
  enabled: boolean;
  version: number;
  metrics: Record<string, { enabled?: boolean; maxPerMinute?: number }>;
}

/** Inside a calibration or maintenance window an operator scheduled (qc_windows). */
export interface WindowConfig {
  enabled: boolean;
  version: number;
}

/** `metric` ≤ max(`notAbove` over the last lagMinutes) × (1 + tolerance) + minDelta; `metric` is flagged. */
export interface CrossPair {
  metric: string;
  notAbove: string;
  tolerance: number;
  minDelta: number;
  /** compare with the largest `notAbove` of the last lagMinutes (outlet flow behind a retention tank); 0 = the same reading */
  lagMinutes: number;
}
/** Dissolved oxygen `metric` above saturation at temperature `temperature` × factor; `metric` is flagged. */
export interface SaturationRule {
  metric: string;
  temperature: string;
  factor: number;
}
export interface CrossConfig {
  enabled: boolean;
  version: number;
  pairs: CrossPair[];
  saturation: SaturationRule[];
}

/** The scheduled spatial consistency check (validation/scheduled-*.ts); the shape of its SpatialConfig. */
export interface SpatialConfig {
  enabled: boolean;
  version: number;
  radiusKm: number;
  k: number;
  minNeighbours: number;
  /** At most this many neighbours make the consensus: the nearest that have a mean for the hour. */
  maxNeighbours: number;
  minDelta: Record<string, number>;
}

export interface QcConfig {
  spike: SpikeConfig;
  flatline: FlatlineConfig;
  rate: RateConfig;
  window: WindowConfig;
  cross: CrossConfig;
  spatial: SpatialConfig;
}
export type QcCheckName = keyof QcConfig;
export const QC_CONFIG_CHECKS: readonly QcCheckName[] = ['spike', 'flatline', 'rate', 'window', 'cross', 'spatial'];

/** What one scope stores: any subset of any check. */
export type QcConfigPatch = { [C in QcCheckName]?: Partial<QcConfig[C]> };

type Schema = Record<string, unknown>;
const METRIC_KEY = '^[a-z][a-z0-9_]{0,31}$';
const metric: Schema = { type: 'string', pattern: METRIC_KEY };
const nonNegative: Schema = { type: 'number', minimum: 0 };
const positive: Schema = { type: 'number', exclusiveMinimum: 0 };
const common = { enabled: { type: 'boolean' }, version: { type: 'integer', minimum: 1, maximum: 1_000_000 } };
const check = (properties: Record<string, Schema>, description: string): Schema => ({
  type: 'object',
  description,
  additionalProperties: false,
  properties: { ...common, ...properties },
});
const perMetric = (properties: Record<string, Schema>): Schema => ({
  type: 'object',
  propertyNames: { pattern: METRIC_KEY },
  additionalProperties: { type: 'object', additionalProperties: false, properties },
});
const ignore: Schema = { type: 'array', maxItems: 20, items: { type: 'number' } };

/** The JSON Schema (draft-07) of a scope's configuration: every check and every field optional. */
export const QC_CONFIG_SCHEMA: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://quantrac.dev/schemas/qc-config.json',
  title: 'Automatic data checks (issue 18)',
  type: 'object',
  additionalProperties: false,
  properties: {
    spike: check(
      {
        window: { type: 'integer', minimum: 3, maximum: 60 },
        minValues: { type: 'integer', minimum: 2, maximum: 60 },
        k: positive,
        minDelta: nonNegative,
        minDeltaRangeShare: { type: 'number', minimum: 0, maximum: 1 },
        maxGapMinutes: { type: 'number', exclusiveMinimum: 0, maximum: 10_080 },
        metrics: perMetric({ enabled: { type: 'boolean' }, window: { type: 'integer', minimum: 3, maximum: 60 }, k: positive, minDelta: nonNegative }),
      },
      'A value far from the median of the previous values: |v − median| > max(k × 1.4826 × MAD, minDelta)',
    ),
    flatline: check(
      {
        count: { type: 'integer', minimum: 2, maximum: 100_000 },
        ignore,
        metrics: perMetric({ enabled: { type: 'boolean' }, count: { type: 'integer', minimum: 2, maximum: 100_000 }, ignore }),
      },
      'The same value `count` readings in a row',
    ),
    rate: check({ metrics: perMetric({ enabled: { type: 'boolean' }, maxPerMinute: positive }) }, 'A change faster than maxPerMinute (per metric; off without a limit)'),
    window: check({}, 'Inside a scheduled calibration or maintenance window'),
    cross: check(
      {
        pairs: {
          type: 'array',
          maxItems: 50,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['metric', 'notAbove'],
            properties: { metric, notAbove: metric, tolerance: nonNegative, minDelta: nonNegative, lagMinutes: { type: 'number', minimum: 0, maximum: 1440 } },
          },
        },
        saturation: {
          type: 'array',
          maxItems: 10,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['metric', 'temperature'],
            properties: { metric, temperature: metric, factor: { type: 'number', minimum: 1 } },
          },
        },
      },
      'Metrics of one reading that contradict each other',
    ),
    spatial: check(
      {
        radiusKm: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
        k: positive,
        minNeighbours: { type: 'integer', minimum: 1, maximum: 1000 },
        maxNeighbours: { type: 'integer', minimum: 1, maximum: 1000 },
        minDelta: { type: 'object', propertyNames: { pattern: METRIC_KEY }, additionalProperties: nonNegative },
      },
      'A station far from the robust consensus of its neighbours (scheduled)',
    ),
  },
};

/**
 * The shipped defaults. Units are the device profiles' (µg/m³, mg/L, m³/h, m, °C, %).
 * - spike: 15 previous values, k 6, a floor of 5 % of the metric's range (pm25 50 µg/m³, temp 4 °C,
 *   water level 5.5 m…) or the metric's own minDelta (RH 15 %: humidity moves fast at dusk and in
 *   showers); previous values older than 60 min are forgotten (after a gap the level may differ);
 *   off for rain (showers start from 0) and wind direction (circular: it wraps at 360°).
 * - flatline: 240 readings in a row (4 h at 1 min, 20 h at 5 min): the Hanoi PM2.5 year (integer
 *   µg/m³ in its last months, hourly values replayed per minute) holds one value for up to 4 hours
 *   in a row, i.e. 181 equal minutes; rain 0, a dry outfall's 0 flow and a saturated 100 % RH are
 *   normal plateaus. A profile with 5-minute data may set a shorter count in its scope.
 * - rate: river and estuary water level 0.2 m/min (a dam break rather than a tide or a flood wave).
 * - cross: PM2.5 ≤ PM10 and PM10 ≤ TSP (+10 % + 5 µg/m³); outlet flow ≤ the largest inlet flow of
 *   the last 3 h × 1.5 + 5 m³/h (retention: the simulated plant's outlet lags its inlet by ~1.5 h);
 *   DO ≤ 2 × saturation at the reading's temperature (VN_WQI's DO scale ends at 200 %).
 * - spatial: as validation/scheduled-config.ts.
 */
export const QC_DEFAULTS: QcConfig = {
  spike: {
    enabled: true,
    version: 1,
    window: 15,
    minValues: 5,
    k: 6,
    minDelta: 0,
    minDeltaRangeShare: 0.05,
    maxGapMinutes: 60,
    metrics: { rain: { enabled: false }, wind_dir: { enabled: false }, rh: { minDelta: 15 } },
  },
  flatline: {
    enabled: true,
    version: 1,
    count: 240,
    ignore: [],
    metrics: { rain: { ignore: [0] }, rh: { ignore: [100] }, flow_in: { ignore: [0] }, flow_out: { ignore: [0] } },
  },
  rate: { enabled: true, version: 1, metrics: { water_level: { maxPerMinute: 0.2 } } },
  window: { enabled: true, version: 1 },
  cross: {
    enabled: true,
    version: 1,
    pairs: [
      { metric: 'pm25', notAbove: 'pm10', tolerance: 0.1, minDelta: 5, lagMinutes: 0 },
      { metric: 'pm10', notAbove: 'tsp', tolerance: 0.1, minDelta: 5, lagMinutes: 0 },
      { metric: 'flow_out', notAbove: 'flow_in', tolerance: 0.5, minDelta: 5, lagMinutes: 180 },
    ],
    saturation: [{ metric: 'do', temperature: 'temp', factor: 2 }],
  },
  spatial: {
    enabled: true,
    version: 2,
    radiusKm: 10,
    k: 3,
    minNeighbours: 3,
    maxNeighbours: 30,
    minDelta: { pm25: 15, pm10: 25, tsp: 40, so2: 20, no2: 20, co: 1000, o3: 30, temp: 2, rh: 10, pressure: 3 },
  },
};

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(QC_CONFIG_SCHEMA);

/** One schema error: the field by JSON pointer (`/spike/k`), and what is wrong with it. */
export interface QcConfigError {
  path: string;
  message: string;
}

function describe(e: ErrorObject): QcConfigError {
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return { path: `${e.instancePath}/${extra}`, message: 'is not a known field' };
  }
  if (e.keyword === 'propertyNames') return { path: `${e.instancePath}/${(e.params as { propertyName: string }).propertyName}`, message: 'is not a metric key' };
  return { path: e.instancePath || '/', message: e.message ?? 'is invalid' };
}

/**
 * Checks a scope's configuration against QC_CONFIG_SCHEMA.
 * @example
 * checkQcConfig({ spike: { kk: 3 } }); // → { ok: false, errors: [{ path: '/spike/kk', message: 'is not a known field' }] }
 */
export function checkQcConfig(value: unknown): { ok: true; config: QcConfigPatch } | { ok: false; errors: QcConfigError[] } {
  if (validate(value)) return { ok: true, config: value as QcConfigPatch };
  // propertyNames reports a bad key twice (its `pattern`, then `propertyNames`): keep the second.
  const errors = (validate.errors ?? []).filter((e) => !(e.keyword === 'pattern' && e.propertyName !== undefined)).map(describe);
  const seen = new Set<string>();
  return { ok: false, errors: errors.filter((e) => !seen.has(e.path + e.message) && seen.add(e.path + e.message)) };
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One check's layers merged: scalars and arrays replaced, maps (`metrics`, `minDelta`) merged per key. */
function mergeCheck(base: Record<string, unknown>, layer: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!layer) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const lower = out[key];
    if (isMap(value) && isMap(lower)) {
      const merged: Record<string, unknown> = { ...lower };
      for (const [m, v] of Object.entries(value)) merged[m] = isMap(v) && isMap(lower[m]) ? { ...lower[m], ...v } : v;
      out[key] = merged;
    } else out[key] = value;
  }
  return out;
}

/**
 * A station's effective configuration: `defaults` (QC_DEFAULTS merged with the stored 'default'
 * scope) < its profile's scope < its own, merged per check. A check's version is the highest of
 * the layers that set one, so a change at any scope shows in the flags.
 * @example
 * effectiveQcConfig(QC_DEFAULTS, { spike: { k: 8 } }, { spike: { metrics: { pm25: { minDelta: 20 } } } }).spike.k; // 8
 */
export function effectiveQcConfig(defaults: QcConfig, profileScope?: QcConfigPatch, stationScope?: QcConfigPatch): QcConfig {
  const out = {} as Record<QcCheckName, Record<string, unknown>>;
  for (const name of QC_CONFIG_CHECKS) {
    let merged = defaults[name] as unknown as Record<string, unknown>;
    let version = defaults[name].version;
    for (const layer of [profileScope?.[name], stationScope?.[name]] as Array<Record<string, unknown> | undefined>) {
      merged = mergeCheck(merged, layer);
      if (typeof layer?.version === 'number') version = Math.max(version, layer.version);
    }
    out[name] = { ...merged, version };
  }
  return out as unknown as QcConfig;
}

/** The shipped defaults with the stored 'default' scope over them. */
export function baseQcConfig(defaultScope?: QcConfigPatch): QcConfig {
  return effectiveQcConfig(QC_DEFAULTS, defaultScope);
}

const stable = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (isMap(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));

/**
 * The versions a scope's new configuration should carry: a check whose parameters differ from the
 * scope's previous ones (or that is new) and whose version was not raised by hand gets
 * max(previous, shipped default) + 1. Checks that did not change keep their version.
 */
export function bumpVersions(previous: QcConfigPatch | undefined, next: QcConfigPatch): QcConfigPatch {
  const out: QcConfigPatch = {};
  for (const name of QC_CONFIG_CHECKS) {
    const n = next[name] as Record<string, unknown> | undefined;
    if (!n) continue;
    const p = previous?.[name] as Record<string, unknown> | undefined;
    const { version: nv, ...nParams } = n;
    const { version: pv, ...pParams } = p ?? {};
    const prevVersion = Math.max(typeof pv === 'number' ? pv : 0, QC_DEFAULTS[name].version);
    const changed = !p || stable(nParams) !== stable(pParams);
    const version = typeof nv === 'number' && nv > prevVersion ? nv : changed ? prevVersion + 1 : prevVersion;
    (out as Record<string, unknown>)[name] = { ...n, version };
  }
  return out;
}

/** The checks of one metric as a station's configuration resolves them; null = not checked. */
export interface MetricChecks {
  spike: { window: number; minValues: number; k: number; minDelta: number; maxGapMs: number } | null;
  flatline: { count: number; ignore: readonly number[] } | null;
  rate: { maxPerMinute: number } | null;
}

/**
 * Resolves one metric's checks from a station's effective configuration: per-metric overrides over
 * the check's own values; the spike floor is the metric's minDelta, else the check's, else
 * minDeltaRangeShare × the metric's range in its device profile.
 */
export function metricChecks(config: QcConfig, metric: string, range?: { min: number; max: number }): MetricChecks {
  const { spike, flatline, rate } = config;
  const s = spike.metrics[metric] ?? {};
  const f = flatline.metrics[metric] ?? {};
  const r = rate.metrics[metric] ?? {};
  const floor = s.minDelta ?? (spike.minDelta > 0 ? spike.minDelta : range ? spike.minDeltaRangeShare * (range.max - range.min) : 0);
  const window = s.window ?? spike.window;
  return {
    spike:
      spike.enabled && s.enabled !== false
        ? { window, minValues: Math.min(spike.minValues, window), k: s.k ?? spike.k, minDelta: floor, maxGapMs: spike.maxGapMinutes * 60_000 }
        : null,
    flatline: flatline.enabled && f.enabled !== false ? { count: f.count ?? flatline.count, ignore: f.ignore ?? flatline.ignore } : null,
    rate: rate.enabled && r.enabled !== false && r.maxPerMinute !== undefined ? { maxPerMinute: r.maxPerMinute } : null,
  };
}
