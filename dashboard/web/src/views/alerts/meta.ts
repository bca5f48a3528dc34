/**
 * @module dashboard/web/views/alerts/meta
 * What the alerts screen needs besides the alerts: stations (names, provinces, types), device
 * profiles (metric units) and rules (names, metrics), and from them an alert's value with its
 * unit: the alert's own `unit` when the server sends it, else the unit of its rule's metric in
 * the station's profile.
 */
import type { AlertJson } from '../../../../../domain/live';
import { api } from '../../api';
import { fmtNum, loc } from '../../i18n';

export interface StationInfo {
  id: string;
  name: string;
  profile: string;
  province: string | null;
}
interface ProfileInfo {
  id: string;
  name: { en: string; vi: string };
  metrics?: Record<string, { unit: string; decimals?: number }>;
}
interface RuleInfo {
  rule: { id: string; metric?: string; name: { en: string; vi: string } };
}

export interface AlertsMeta {
  stations: Map<string, StationInfo>;
  profiles: ProfileInfo[];
  provinces: string[];
  ruleName(id: string): string;
  /** The alert's value with its unit ("52,3 µg/m³"), or '–'. */
  value(a: AlertJson, value?: number | null): string;
}

export async function loadMeta(): Promise<AlertsMeta> {
  const [st, pr, ru] = await Promise.all([
    api<{ data: StationInfo[] }>('GET', '/api/v1/stations'),
    api<{ data: ProfileInfo[] }>('GET', '/api/v1/profiles'),
    api<{ data: RuleInfo[] }>('GET', '/api/v1/rules').catch((err: unknown) => (console.warn('alerts: rules not loaded', err), { data: [] as RuleInfo[] })),
  ]);
  const stations = new Map(st.data.map((s) => [s.id, s]));
  const profiles = new Map(pr.data.map((p) => [p.id, p]));
  const rules = new Map(ru.data.map((r) => [r.rule.id, r.rule]));
  const provinces = [...new Set(st.data.map((s) => s.province).filter((p): p is string => Boolean(p)))].sort((a, b) => a.localeCompare(b, 'vi'));

  function unitOf(a: AlertJson): string {
    const own = (a as AlertJson & { unit?: string | null }).unit;
    if (own) return own;
    const metric = rules.get(a.rule)?.metric;
    const profile = profiles.get(stations.get(a.station)?.profile ?? '');
    return (metric && profile?.metrics?.[metric]?.unit) || '';
  }

  return {
    stations,
    profiles: pr.data,
    provinces,
    ruleName: (id) => {
      const r = rules.get(id);
      return r ? loc(r.name) : id;
    },
    value(a, value = a.value) {
      if (value === null || value === undefined) return '–';
      const unit = unitOf(a);
      return unit ? `${fmtNum(value, 2)} ${unit}` : fmtNum(value, 2);
    },
  };
}
