/**
 * @module bulletins/compose
 * Builds the model of a bulletin — a local day or month, for one province or the whole system —
 * from what is stored, never recomputing an index:
 * - VN_AQI from aqi_daily / aqi_hourly (alerts/aqi.ts). The VN_AQI day of date D is labelled by
 *   hour-ending times 01:00 … 24:00 of D, i.e. the readings of 00:00–24:00 local time: the same
 *   span as the bulletin's day.
 * - Metric means from the readings_hourly continuous aggregate (valid readings only); the daily
 *   mean of a metric is the mean of its hourly means.
 * - QCVN limits from the shipped rule packs (qcvn05 air, qcvn08 surface water, qcvn40 wastewater):
 *   threshold rules over a mean of 60, 480 or 1440 minutes. A 1-hour limit is compared with every
 *   hourly mean, an 8-hour limit with the 8-hour rolling means of hourly means (6 of 8 hours
 *   needed), a 24-hour limit with the daily mean (18 of 24 hours needed, as for daily VN_AQI).
 * - Alerts from alert_events: `firing` and `resolved` events inside the period.
 * - Completeness from the analyst API's definition (dashboard/server/analytics/series.ts), pooled
 *   over a station's metrics (and days): 100 × Σ valid ÷ Σ (expected − calibrating − fault − maintenance).
 */
import { VN_AQI_CATEGORIES } from '../domain/indices/index.js';
import { loadPacks } from '../alerts/packs/index.js';
import type { Rule, ThresholdRule } from '../alerts/rules/types.js';
import type { Config } from '../config/index.js';
import { completeness, type CompletenessRow } from '../analytics/series.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { Db } from '../store/index.js';
import type { Station } from '../store/stations.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Bulletins are on Vietnam's calendar (UTC+7, no daylight saving). */
export const BULLETIN_TIMEZONE = 'Asia/Ho_Chi_Minh';
const OFFSET = 7 * HOUR;

/** The rule packs whose limits a bulletin reports (QCVN 05:2023, 08:2023, 40:2011 column B). */
export const LIMIT_PACKS: readonly string[] = ['qcvn05', 'qcvn08', 'qcvn40'];
const MIN_HOURS_24H = 18;
const MIN_HOURS_8H = 6;

export type BulletinKind = 'daily' | 'monthly';
/** 'all' or 'province:<name>' */
export type BulletinScope = string;

export interface Text {
  vi: string;
  en: string;
}

export interface CategoryRef {
  key: string;
  name: Text;
  colour: string;
}

export interface Limit {
  rule: string;
  pack: string;
  profile: string;
  metric: string;
  op: 'above' | 'below';
  value: number;
  averaging: '1h' | '8h' | '24h';
  name: Text;
  source: string;
  validFrom?: string;
  validUntil?: string;
}

export interface StationCompleteness {
  expected: number;
  valid: number;
  excluded: number;
  /** null when nothing was expected */
  percent: number | null;
}

export interface MetricDay {
  metric: string;
  name: Text;
  unit: string;
  /** mean of the day's hourly means; null without any */
  mean: number | null;
  hours: number;
  maxHourlyMean: number | null;
  /** hour-ending label (ISO UTC) of the highest hourly mean, the first if tied */
  maxHourEnd: string | null;
  completeness: number | null;
}

export interface DailyStation {
  id: string;
  name: string;
  profile: string;
  province: string | null;
  aqi: {
    daily: { value: number; category: CategoryRef; dominant: string } | null;
    maxHourly: { value: number; hourEnd: string; category: CategoryRef; dominant: string } | null;
  } | null;
  metrics: MetricDay[];
  completeness: StationCompleteness;
}

export interface Exceedance {
  station: string;
  stationName: string;
  metric: string;
  rule: string;
  op: 'above' | 'below';
  limit: number;
  averaging: '1h' | '8h' | '24h';
  unit: string;
  source: string;
  /** every averaging period that exceeded: its end (ISO UTC) and mean */
  periods: Array<{ end: string; value: number }>;
}

export interface AlertItem {
  alert: number;
  at: string;
  station: string;
  stationName: string;
  rule: string;
  severity: string;
  value: number | null;
  message: Text;
}

export interface BulletinHeader {
  kind: BulletinKind;
  /** YYYY-MM-DD (daily) or YYYY-MM (monthly) */
  period: string;
  /** the local date the period starts on */
  periodStart: string;
  from: string;
  to: string;
  scope: BulletinScope;
  scopeName: Text;
  generatedAt: string;
  timezone: string;
}

export interface DailyBulletin extends BulletinHeader {
  kind: 'daily';
  stations: DailyStation[];
  exceedances: Exceedance[];
  alerts: { fired: AlertItem[]; resolved: AlertItem[] };
  limits: Limit[];
}

export interface MonthlyStation {
  id: string;
  name: string;
  profile: string;
  province: string | null;
  aqi: { meanDaily: number | null; days: number; daysByCategory: Record<string, number> } | null;
  /** local dates with at least one exceedance */
  exceedanceDays: string[];
  alertsFired: number;
  alertsResolved: number;
  completeness: StationCompleteness;
}

export interface MonthlyBulletin extends BulletinHeader {
  kind: 'monthly';
  stations: MonthlyStation[];
  /** per station and limit: the local dates it was exceeded */
  exceedances: Array<Omit<Exceedance, 'periods'> & { days: string[] }>;
  limits: Limit[];
}

export type Bulletin = DailyBulletin | MonthlyBulletin;

/** The small digest stored with a bulletin and shown in lists and events. */
export interface BulletinSummary {
  stations: number;
  stationsExceeding: number;
  exceedances: number;
  alertsFired: number;
  alertsResolved: number;
  /** the worst daily (or mean monthly) VN_AQI in scope */
  worstAqi: { station: string; value: number; category: string } | null;
  /** pooled over the scope's stations */
  completeness: number | null;
}

export interface ComposeDeps {
  db: Db;
  config: Readonly<Config>;
  profiles: ReadonlyMap<string, LoadedProfile>;
  /** rule packs folder (default: the shipped packs) */
  packsDir?: string;
}

// ---------------------------------------------------------------------------------------------
// Periods and scopes

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

/** Local midnight (epoch ms) of a YYYY-MM-DD date, or undefined when it is not a real date. */
export function localMidnight(day: string): number | undefined {
  if (!DATE.test(day)) return undefined;
  const t = Date.parse(`${day}T00:00:00+07:00`);
  return Number.isNaN(t) || localDate(t) !== day ? undefined : t;
}

/** The local (UTC+7) date of an instant. */
export function localDate(t: number): string {
  return new Date(t + OFFSET).toISOString().slice(0, 10);
}

/** [from, to) of a bulletin period; throws a RangeError for a malformed period. */
export function periodRange(kind: BulletinKind, period: string): { from: number; to: number; periodStart: string } {
  if (kind === 'daily') {
    const from = localMidnight(period);
    if (from === undefined) throw new RangeError(`day must be a date YYYY-MM-DD, got ${period}`);
    return { from, to: from + DAY, periodStart: period };
  }
  const m = MONTH.exec(period);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new RangeError(`month must be YYYY-MM, got ${period}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const next = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  return { from: localMidnight(`${period}-01`)!, to: localMidnight(`${next}-01`)!, periodStart: `${period}-01` };
}

export function scopeOf(province: string | null | undefined): BulletinScope {
  return province ? `province:${province}` : 'all';
}

export function provinceOf(scope: BulletinScope): string | null {
  return scope.startsWith('province:') ? scope.slice('province:'.length) : null;
}

function scopeName(scope: BulletinScope): Text {
  const p = provinceOf(scope);
  return p === null ? { vi: 'Toàn hệ thống', en: 'Whole system' } : { vi: p, en: p };
}

// ---------------------------------------------------------------------------------------------
// Limits

/** The QCVN limits of the shipped packs, as the bulletin compares them. */
export function loadLimits(packsDir?: string): Limit[] {
  const out: Limit[] = [];
  for (const pack of loadPacks(packsDir)) {
    if (!LIMIT_PACKS.includes(pack.pack)) continue;
    for (const rule of pack.rules as Rule[]) {
      if (rule.kind !== 'threshold' || rule.enabled === false) continue;
      const r = rule as ThresholdRule;
      if (r.over !== 'mean' || !('profile' in r.scope)) continue;
      const averaging = r.windowMinutes === 60 ? '1h' : r.windowMinutes === 480 ? '8h' : r.windowMinutes === 1440 ? '24h' : undefined;
      if (!averaging) continue;
      out.push({
        rule: r.id,
        pack: pack.pack,
        profile: r.scope.profile,
        metric: r.metric,
        op: r.op,
        value: r.raise,
        averaging,
        name: { vi: r.name.vi, en: r.name.en },
        source: r.source ?? pack.source,
        ...(r.validFrom ? { validFrom: r.validFrom } : {}),
        ...(r.validUntil ? { validUntil: r.validUntil } : {}),
      });
    }
  }
  return out;
}

/** Limits in force on the local day starting at `dayStart` (validity is checked at the day's start). */
function limitsOn(limits: readonly Limit[], dayStart: number): Limit[] {
  return limits.filter((l) => (!l.validFrom || Date.parse(l.validFrom) <= dayStart) && (!l.validUntil || dayStart < Date.parse(l.validUntil)));
}

const beyond = (l: Pick<Limit, 'op' | 'value'>, v: number) => (l.op === 'above' ? v > l.value : v < l.value);

// ---------------------------------------------------------------------------------------------
// Queries

/** Hourly means of valid readings, station → metric → hour-ending label → mean, buckets starting in [from, to). */
async function hourlyMeansOf(db: Db, stationIds: readonly string[], from: number, to: number): Promise<Map<string, Map<string, Map<number, number>>>> {
  const out = new Map<string, Map<string, Map<number, number>>>();
  if (stationIds.length === 0) return out;
  const { rows } = await db.query<{ station_id: string; metric: string; bucket: Date; avg: number }>(
    `SELECT station_id, metric, bucket, avg FROM readings_hourly
      WHERE station_id = ANY($1::text[]) AND bucket >= $2 AND bucket < $3 AND avg IS NOT NULL`,
    [stationIds, new Date(from), new Date(to)],
  );
  for (const r of rows) {
    let byMetric = out.get(r.station_id);
    if (!byMetric) out.set(r.station_id, (byMetric = new Map()));
    let m = byMetric.get(r.metric);
    if (!m) byMetric.set(r.metric, (m = new Map()));
    m.set(r.bucket.getTime() + HOUR, Number(r.avg));
  }
  return out;
}

interface DailyIndexRow {
  stationId: string;
  day: string;
  aqi: number;
  category: string;
  dominant: string;
}

async function dailyVnAqi(db: Db, stationIds: readonly string[], fromDay: string, toDayExclusive: string): Promise<DailyIndexRow[]> {
  if (stationIds.length === 0) return [];
  const { rows } = await db.query<{ station_id: string; day: string; aqi: number; category: string; dominant: string }>(
    `SELECT station_id, to_char(day, 'YYYY-MM-DD') AS day, aqi, category, dominant FROM aqi_daily
      WHERE station_id = ANY($1::text[]) AND index_name = 'vn_aqi' AND day >= $2::date AND day < $3::date ORDER BY station_id, day`,
    [stationIds, fromDay, toDayExclusive],
  );
  return rows.map((r) => ({ stationId: r.station_id, day: r.day, aqi: r.aqi, category: r.category, dominant: r.dominant }));
}

/** The highest hourly VN_AQI of each station over hour-ending labels in (from, to]; the earliest hour on a tie. */
async function maxHourlyVnAqi(db: Db, stationIds: readonly string[], from: number, to: number): Promise<Map<string, { aqi: number; ts: Date; category: string; dominant: string }>> {
  if (stationIds.length === 0) return new Map();
  const { rows } = await db.query<{ station_id: string; aqi: number; ts: Date; category: string; dominant: string }>(
    `SELECT DISTINCT ON (station_id) station_id, aqi, ts, category, dominant FROM aqi_hourly
      WHERE station_id = ANY($1::text[]) AND index_name = 'vn_aqi' AND ts > $2 AND ts <= $3
      ORDER BY station_id, aqi DESC, ts ASC`,
    [stationIds, new Date(from), new Date(to)],
  );
  return new Map(rows.map((r) => [r.station_id, { aqi: r.aqi, ts: r.ts, category: r.category, dominant: r.dominant }]));
}

async function alertEvents(db: Db, stationIds: readonly string[], from: number, to: number): Promise<Array<{ type: 'firing' | 'resolved'; at: Date; alertId: number; stationId: string; ruleId: string; severity: string; value: number | null; message: Text }>> {
  if (stationIds.length === 0) return [];
  const { rows } = await db.query<{ type: 'firing' | 'resolved'; at: Date; alert_id: number; station_id: string; rule_id: string; severity: string; value: number | null; message: Text }>(
    `SELECT e.type, e.at, e.alert_id, a.station_id, a.rule_id, e.severity, COALESCE(e.value, a.value) AS value, a.message
       FROM alert_events e JOIN alerts a ON a.id = e.alert_id
      WHERE e.type IN ('firing', 'resolved') AND e.at >= $2 AND e.at < $3 AND a.station_id = ANY($1::text[])
      ORDER BY e.at, e.id`,
    [stationIds, new Date(from), new Date(to)],
  );
  return rows.map((r) => ({ type: r.type, at: r.at, alertId: Number(r.alert_id), stationId: r.station_id, ruleId: r.rule_id, severity: r.severity, value: r.value, message: r.message }));
}

async function stationsInScope(db: Db, scope: BulletinScope): Promise<Station[]> {
  const { rows } = await db.query<{
    id: string; name: string; profile_id: string; lat: number; lon: number; province: string | null; timezone: string; enabled: boolean;
    simulated: boolean; connection_state: Station['connectionState']; connection_changed_at: Date | null; created_at: Date; attributes: Record<string, unknown>;
  }>(
    `SELECT id, name, profile_id, lat, lon, province, timezone, enabled, simulated, connection_state, connection_changed_at, created_at, attributes
       FROM stations WHERE enabled AND ($1::text IS NULL OR province = $1) ORDER BY province NULLS LAST, id`,
    [provinceOf(scope)],
  );
  return rows.map((r) => ({
    id: r.id, name: r.name, profileId: r.profile_id, lat: r.lat, lon: r.lon, province: r.province, timezone: r.timezone, enabled: r.enabled,
    simulated: r.simulated, connectionState: r.connection_state, connectionChangedAt: r.connection_changed_at, createdAt: r.created_at, attributes: r.attributes,
  }));
}

/**
 * The metrics each station measures: those it reported in the 30 days up to `to` (a sensor dead
 * for the whole period still counts, a parameter the station is not equipped for does not).
 */
async function measuredMetrics(db: Db, stationIds: readonly string[], from: number, to: number): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (stationIds.length === 0) return out;
  const { rows } = await db.query<{ station_id: string; metric: string }>(
    `SELECT DISTINCT station_id, metric FROM readings_daily WHERE station_id = ANY($1::text[]) AND bucket >= $2 AND bucket < $3`,
    [stationIds, new Date(Math.min(from, to - 30 * DAY)), new Date(to)],
  );
  for (const r of rows) {
    let set = out.get(r.station_id);
    if (!set) out.set(r.station_id, (set = new Set()));
    set.add(r.metric);
  }
  return out;
}

/** Provinces with at least one enabled station (the scopes of scheduled bulletins besides 'all'). */
export async function activeProvinces(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ province: string }>(`SELECT DISTINCT province FROM stations WHERE enabled AND province IS NOT NULL AND province <> '' ORDER BY province`);
  return rows.map((r) => r.province);
}

// ---------------------------------------------------------------------------------------------
// Pieces

function category(key: string): CategoryRef {
  const c = VN_AQI_CATEGORIES.find((x) => x.key === key);
  return c ? { key, name: { vi: c.nameVi, en: c.nameEn }, colour: c.colorHex } : { key, name: { vi: key, en: key }, colour: '#c9d1d9' };
}

/** The VN_AQI category of a (mean) value, rounded half up as the category tables read. */
export function categoryOfValue(v: number): string {
  const r = Math.floor(v + 0.5);
  return VN_AQI_CATEGORIES.find((c) => r >= c.min && r <= c.max)?.key ?? (r > 500 ? 'hazardous' : '');
}

function pooled(rows: ReadonlyArray<{ expected: number; valid: number; excluded: { calibrating: number; fault: number; maintenance: number } }>): StationCompleteness {
  let expected = 0;
  let valid = 0;
  let excluded = 0;
  for (const r of rows) {
    expected += r.expected;
    valid += r.valid;
    // the analyst API's measuring count per row: max(0, expected − excluded)
    excluded += Math.min(r.expected, r.excluded.calibrating + r.excluded.fault + r.excluded.maintenance);
  }
  const measuring = expected - excluded;
  return { expected, valid, excluded, percent: measuring > 0 ? Math.min(100, Math.round((valid / measuring) * 1000) / 10) : null };
}

/** Exceedances of one station on one local day, from its hourly means (8-hour means look 7 hours back). */
function dayExceedances(station: Station, stationMeans: Map<string, Map<number, number>> | undefined, limits: readonly Limit[], profile: LoadedProfile['profile'], dayStart: number): Exceedance[] {
  const out: Exceedance[] = [];
  for (const l of limits) {
    if (l.profile !== station.profileId) continue;
    const means = stationMeans?.get(l.metric);
    if (!means) continue;
    const periods: Array<{ end: string; value: number }> = [];
    if (l.averaging === '1h') {
      for (let end = dayStart + HOUR; end <= dayStart + DAY; end += HOUR) {
        const v = means.get(end);
        if (v !== undefined && beyond(l, v)) periods.push({ end: new Date(end).toISOString(), value: v });
      }
    } else if (l.averaging === '8h') {
      for (let end = dayStart + HOUR; end <= dayStart + DAY; end += HOUR) {
        const window: number[] = [];
        for (let k = 0; k < 8; k++) {
          const v = means.get(end - k * HOUR);
          if (v !== undefined) window.push(v);
        }
        if (window.length < MIN_HOURS_8H) continue;
        const v = window.reduce((a, b) => a + b, 0) / window.length;
        if (beyond(l, v)) periods.push({ end: new Date(end).toISOString(), value: v });
      }
    } else {
      const day: number[] = [];
      for (let end = dayStart + HOUR; end <= dayStart + DAY; end += HOUR) {
        const v = means.get(end);
        if (v !== undefined) day.push(v);
      }
      if (day.length >= MIN_HOURS_24H) {
        const v = day.reduce((a, b) => a + b, 0) / day.length;
        if (beyond(l, v)) periods.push({ end: new Date(dayStart + DAY).toISOString(), value: v });
      }
    }
    if (periods.length > 0) {
      out.push({ station: station.id, stationName: station.name, metric: l.metric, rule: l.rule, op: l.op, limit: l.value, averaging: l.averaging, unit: profile.metrics[l.metric]?.unit ?? '', source: l.source, periods });
    }
  }
  return out;
}

function metricDays(stationMeans: Map<string, Map<number, number>> | undefined, profile: LoadedProfile['profile'], dayStart: number, completenessByMetric: Map<string, number | null>): MetricDay[] {
  const out: MetricDay[] = [];
  for (const [metric, def] of Object.entries(profile.metrics)) {
    const means = stationMeans?.get(metric);
    let sum = 0;
    let hours = 0;
    let max: number | null = null;
    let maxAt: number | null = null;
    for (let end = dayStart + HOUR; end <= dayStart + DAY; end += HOUR) {
      const v = means?.get(end);
      if (v === undefined) continue;
      sum += v;
      hours++;
      if (max === null || v > max) {
        max = v;
        maxAt = end;
      }
    }
    if (hours === 0 && !completenessByMetric.has(metric)) continue;
    out.push({
      metric,
      name: { vi: def.name.vi, en: def.name.en },
      unit: def.unit,
      mean: hours > 0 ? sum / hours : null,
      hours,
      maxHourlyMean: max,
      maxHourEnd: maxAt === null ? null : new Date(maxAt).toISOString(),
      completeness: completenessByMetric.get(metric) ?? null,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Composition

export interface Composer {
  readonly limits: readonly Limit[];
  daily(day: string, scope: BulletinScope, now: number): Promise<DailyBulletin>;
  monthly(month: string, scope: BulletinScope, now: number): Promise<MonthlyBulletin>;
}

export function createComposer(deps: ComposeDeps): Composer {
  const { db, config, profiles } = deps;
  const limits = loadLimits(deps.packsDir);

  function header<K extends BulletinKind>(kind: K, period: string, scope: BulletinScope, now: number): BulletinHeader & { kind: K; fromMs: number; toMs: number } {
    const { from, to, periodStart } = periodRange(kind, period);
    return { kind, period, periodStart, from: new Date(from).toISOString(), to: new Date(to).toISOString(), scope, scopeName: scopeName(scope), generatedAt: new Date(now).toISOString(), timezone: BULLETIN_TIMEZONE, fromMs: from, toMs: to };
  }

  const profileOf = (s: Station) => profiles.get(s.profileId)?.profile;

  /**
   * The scope's stations with their completeness rows (the analyst API's report) restricted to
   * the metrics each measures. A station created after the period is left out unless it has data in it.
   */
  async function stationsWithCompleteness(scope: BulletinScope, fromMs: number, toMs: number, now: number): Promise<{ stations: Station[]; rowsOf: Map<string, CompletenessRow[]> }> {
    const candidates = (await stationsInScope(db, scope)).filter((s) => profileOf(s) !== undefined);
    const rowsOf = new Map<string, CompletenessRow[]>();
    if (candidates.length === 0) return { stations: [], rowsOf };
    const measured = await measuredMetrics(db, candidates.map((s) => s.id), fromMs, toMs);
    const report = await completeness(db, config, profiles, { stations: candidates, metrics: null, from: new Date(fromMs), to: new Date(toMs), now });
    // grouped once: a filter per station over every row is quadratic (11,000 stations froze the main thread for seconds)
    const byStation = new Map<string, CompletenessRow[]>();
    for (const r of report.data) {
      const list = byStation.get(r.station);
      if (list) list.push(r);
      else byStation.set(r.station, [r]);
    }
    for (const s of candidates) {
      const set = measured.get(s.id);
      rowsOf.set(s.id, (byStation.get(s.id) ?? []).filter((r) => !set || set.has(r.metric)));
    }
    const hasData = (id: string) => (rowsOf.get(id) ?? []).some((r) => r.valid > 0 || r.outOfRange > 0 || r.excluded.calibrating + r.excluded.fault + r.excluded.maintenance > 0);
    return { stations: candidates.filter((s) => s.createdAt.getTime() < toMs || hasData(s.id)), rowsOf };
  }

  async function daily(day: string, scope: BulletinScope, now: number): Promise<DailyBulletin> {
    const { fromMs, toMs, ...head } = header('daily', day, scope, now);
    const { stations, rowsOf } = await stationsWithCompleteness(scope, fromMs, toMs, now);
    const ids = stations.map((s) => s.id);
    const means = await hourlyMeansOf(db, ids, fromMs - 7 * HOUR, toMs);
    const aqiDays = new Map((await dailyVnAqi(db, ids, day, localDate(toMs))).map((r) => [r.stationId, r]));
    const aqiMax = await maxHourlyVnAqi(db, ids, fromMs, toMs);
    const inForce = limitsOn(limits, fromMs);

    const exceedances: Exceedance[] = [];
    const out: DailyStation[] = [];
    for (const s of stations) {
      const profile = profileOf(s)!;
      const rows = rowsOf.get(s.id) ?? [];
      const isAir = s.profileId === 'air-quality';
      const d = aqiDays.get(s.id);
      const m = aqiMax.get(s.id);
      out.push({
        id: s.id,
        name: s.name,
        profile: s.profileId,
        province: s.province,
        aqi: isAir
          ? {
              daily: d ? { value: d.aqi, category: category(d.category), dominant: d.dominant } : null,
              maxHourly: m ? { value: m.aqi, hourEnd: m.ts.toISOString(), category: category(m.category), dominant: m.dominant } : null,
            }
          : null,
        metrics: metricDays(means.get(s.id), profile, fromMs, new Map(rows.map((r) => [r.metric, r.percent]))),
        completeness: pooled(rows),
      });
      exceedances.push(...dayExceedances(s, means.get(s.id), inForce, profile, fromMs));
    }

    const names = new Map(stations.map((s) => [s.id, s.name]));
    const events = await alertEvents(db, ids, fromMs, toMs);
    const item = (e: (typeof events)[number]): AlertItem => ({ alert: e.alertId, at: e.at.toISOString(), station: e.stationId, stationName: names.get(e.stationId) ?? e.stationId, rule: e.ruleId, severity: e.severity, value: e.value, message: e.message });
    return {
      ...head,
      kind: 'daily',
      stations: out,
      exceedances,
      alerts: { fired: events.filter((e) => e.type === 'firing').map(item), resolved: events.filter((e) => e.type === 'resolved').map(item) },
      limits: inForce.filter((l) => stations.some((s) => s.profileId === l.profile)),
    };
  }

  async function monthly(month: string, scope: BulletinScope, now: number): Promise<MonthlyBulletin> {
    const { fromMs, toMs, ...head } = header('monthly', month, scope, now);
    const { stations, rowsOf } = await stationsWithCompleteness(scope, fromMs, toMs, now);
    const ids = stations.map((s) => s.id);
    const means = await hourlyMeansOf(db, ids, fromMs - 7 * HOUR, toMs);
    const aqi = await dailyVnAqi(db, ids, head.periodStart, localDate(toMs));
    const events = await alertEvents(db, ids, fromMs, toMs);

    const byKey = new Map<string, Omit<Exceedance, 'periods'> & { days: string[] }>();
    const daysOf = new Map<string, Set<string>>();
    for (let dayStart = fromMs; dayStart < toMs; dayStart += DAY) {
      const inForce = limitsOn(limits, dayStart);
      const date = localDate(dayStart);
      for (const s of stations) {
        for (const e of dayExceedances(s, means.get(s.id), inForce, profileOf(s)!, dayStart)) {
          const key = `${e.station}\u0000${e.rule}`;
          let agg = byKey.get(key);
          if (!agg) {
            const { periods: _periods, ...rest } = e;
            byKey.set(key, (agg = { ...rest, days: [] }));
          }
          agg.days.push(date);
          let set = daysOf.get(s.id);
          if (!set) daysOf.set(s.id, (set = new Set()));
          set.add(date);
        }
      }
    }

    const out: MonthlyStation[] = stations.map((s) => {
      const days = aqi.filter((r) => r.stationId === s.id);
      const daysByCategory: Record<string, number> = {};
      for (const r of days) daysByCategory[r.category] = (daysByCategory[r.category] ?? 0) + 1;
      return {
        id: s.id,
        name: s.name,
        profile: s.profileId,
        province: s.province,
        aqi: s.profileId === 'air-quality' ? { meanDaily: days.length > 0 ? Math.round((days.reduce((a, r) => a + r.aqi, 0) / days.length) * 10) / 10 : null, days: days.length, daysByCategory } : null,
        exceedanceDays: [...(daysOf.get(s.id) ?? [])].sort(),
        alertsFired: events.filter((e) => e.type === 'firing' && e.stationId === s.id).length,
        alertsResolved: events.filter((e) => e.type === 'resolved' && e.stationId === s.id).length,
        completeness: pooled(rowsOf.get(s.id) ?? []),
      };
    });
    const inForceAny = limits.filter((l) => stations.some((s) => s.profileId === l.profile) && (!l.validUntil || Date.parse(l.validUntil) > fromMs) && (!l.validFrom || Date.parse(l.validFrom) < toMs));
    return { ...head, kind: 'monthly', stations: out, exceedances: [...byKey.values()], limits: inForceAny };
  }

  return { limits, daily, monthly };
}

/** The digest stored with the bulletin. */
export function summarize(b: Bulletin): BulletinSummary {
  let worst: BulletinSummary['worstAqi'] = null;
  const all: StationCompleteness[] = [];
  if (b.kind === 'daily') {
    for (const s of b.stations) {
      all.push(s.completeness);
      const d = s.aqi?.daily;
      if (d && (!worst || d.value > worst.value)) worst = { station: s.id, value: d.value, category: d.category.key };
    }
    return {
      stations: b.stations.length,
      stationsExceeding: new Set(b.exceedances.map((e) => e.station)).size,
      exceedances: b.exceedances.reduce((n, e) => n + e.periods.length, 0),
      alertsFired: b.alerts.fired.length,
      alertsResolved: b.alerts.resolved.length,
      worstAqi: worst,
      completeness: pooledPercent(all),
    };
  }
  for (const s of b.stations) {
    all.push(s.completeness);
    const m = s.aqi?.meanDaily;
    if (m != null && (!worst || m > worst.value)) worst = { station: s.id, value: m, category: categoryOfValue(m) };
  }
  return {
    stations: b.stations.length,
    stationsExceeding: b.stations.filter((s) => s.exceedanceDays.length > 0).length,
    exceedances: b.exceedances.reduce((n, e) => n + e.days.length, 0),
    alertsFired: b.stations.reduce((n, s) => n + s.alertsFired, 0),
    alertsResolved: b.stations.reduce((n, s) => n + s.alertsResolved, 0),
    worstAqi: worst,
    completeness: pooledPercent(all),
  };
}

function pooledPercent(rows: readonly StationCompleteness[]): number | null {
  const valid = rows.reduce((n, r) => n + r.valid, 0);
  const measuring = rows.reduce((n, r) => n + r.expected - r.excluded, 0);
  return measuring > 0 ? Math.min(100, Math.round((valid / measuring) * 1000) / 10) : null;
}
