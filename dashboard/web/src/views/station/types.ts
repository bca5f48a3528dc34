/**
 * @module dashboard/web/views/station/types
 * The API answers the station page reads (GET /api/v1/stations/{id}, /profiles, /rules,
 * /stations/{id}/aqi), typed as the page uses them. Type-only: nothing here is bundled as code.
 */

export interface Text {
  en: string;
  vi: string;
}
export interface MetricDef {
  name: Text;
  unit: string;
  decimals?: number;
}
export interface Profile {
  id: string;
  name: Text;
  metrics: Record<string, MetricDef>;
}
export interface StationJson {
  id: string;
  name: string;
  profile: string;
  province: string | null;
  enabled: boolean;
  connection: { state: string; since: string | null };
  /** Station-specific settings, e.g. { floodLevels: [9.5, 10.5, 11.5] } (api/routes/stations.ts). */
  attributes: Record<string, unknown> | null;
}
export interface LatestJson {
  metric: string;
  ts: string;
  value: number | null;
  quality: string;
  unit: string | null;
}
export interface RuleJson {
  id: string;
  kind: string;
  enabled: boolean;
  scope: { station?: string; profile?: string };
  metric?: string;
  op?: string;
  raise?: number;
  over?: string;
  windowMinutes?: number;
  levels?: Array<{ value: number; label: Text }>;
  levelsFromStationAttribute?: string;
  validFrom?: string;
  validUntil?: string;
  name: Text;
  source?: string;
}
export interface RuleView {
  rule: RuleJson;
  pack: string | null;
}
/** One row of GET /api/v1/stations/{id}/aqi: `ts` is the hour END (hourly) or the local day (daily). */
export interface IndexRow {
  ts: string;
  aqi: number;
  category: { key: string };
  dominant: string;
}
