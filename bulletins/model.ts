/**
 * @module bulletins/model
 * The model of a bulletin as composed (compose.ts) and rendered (render-html.ts, render-csv.ts):
 * a daily or monthly period for one province or the whole system, its stations, exceedances of
 * QCVN limits, alerts and completeness; and the digest stored with it (summary.ts).
 */

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
