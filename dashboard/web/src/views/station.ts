/**
 * Station page: the latest value of every metric (unit, quality flag, limit), a uPlot chart per
 * metric over the last 24 h with the applicable limits as lines, extended live from the
 * station's room and back-filled from the API after a reconnect, the hourly and daily VN_AQI,
 * the station's alerts, and (admins) its name, province and service state.
 */
import uPlot from 'uplot';
import type { AlertJson, LiveReading, ReadingsFrame, StationLive } from '../../../../domain/live';
import { api, can } from '../api';
import { aqiChip, aqiColour, aqiName, alertStateBadge, byUrgency, severityBadge, stateBadge } from '../common';
import { h, replace } from '../dom';
import { TIME_ZONE, fmtDateTime, fmtDay, fmtNum, fmtTime, loc, t, tk } from '../i18n';
import type { Unmount, ViewContext } from '../main';

const DAY_MS = 86_400_000;
const CHART_POINTS = 1500;

interface MetricDef {
  name: { en: string; vi: string };
  unit: string;
  decimals?: number;
}
interface Profile {
  id: string;
  name: { en: string; vi: string };
  metrics: Record<string, MetricDef>;
}
interface StationJson {
  id: string;
  name: string;
  profile: string;
  province: string | null;
  enabled: boolean;
  connection: { state: string; since: string | null };
}
interface RuleView {
  rule: {
    id: string;
    kind: string;
    enabled: boolean;
    scope: { station?: string; profile?: string };
    metric?: string;
    op?: string;
    raise?: number;
    over?: string;
    windowMinutes?: number;
    levels?: Array<{ value: number; label: { en: string; vi: string } }>;
    validFrom?: string;
    validUntil?: string;
    name: { en: string; vi: string };
  };
}
interface Limit {
  value: number;
  label: string;
}
interface AqiRow {
  ts: string;
  aqi: number;
  category: { key: string };
  dominant: string;
}

interface Series {
  xs: number[];
  ys: Array<number | null>;
  chart?: uPlot;
  limits: Limit[];
  dirty: boolean;
}

/** Inserts (x, y) into sorted arrays; an existing x is replaced (a redelivered reading). */
export function insertSorted(xs: number[], ys: Array<number | null>, x: number, y: number | null): void {
  let i = xs.length;
  if (i === 0 || xs[i - 1]! < x) {
    xs.push(x);
    ys.push(y);
    return;
  }
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  i = lo;
  if (xs[i] === x) ys[i] = y;
  else {
    xs.splice(i, 0, x);
    ys.splice(i, 0, y);
  }
}

function limitsFor(rules: readonly RuleView[], station: StationJson, metric: string, now: number): Limit[] {
  const out: Limit[] = [];
  for (const { rule } of rules) {
    if (!rule.enabled || rule.metric !== metric) continue;
    if (rule.scope.station !== undefined ? rule.scope.station !== station.id : rule.scope.profile !== station.profile) continue;
    if ((rule.validFrom && Date.parse(rule.validFrom) > now) || (rule.validUntil && Date.parse(rule.validUntil) <= now)) continue;
    if (rule.kind === 'threshold' && rule.raise !== undefined) {
      const window = rule.over === 'mean' && rule.windowMinutes ? ` (${t('mean')} ${fmtNum(rule.windowMinutes / 60, 1)} h)` : '';
      out.push({ value: rule.raise, label: `${rule.op === 'below' ? '≥' : '≤'} ${fmtNum(rule.raise, 2)}${window}` });
    } else if (rule.kind === 'levels' && rule.levels) {
      for (const l of rule.levels) out.push({ value: l.value, label: `${loc(l.label)}: ${fmtNum(l.value, 2)}` });
    }
  }
  const seen = new Set<number>();
  return out.filter((l) => (seen.has(l.value) ? false : (seen.add(l.value), true))).sort((a, b) => a.value - b.value);
}

export function mountStation(main: HTMLElement, ctx: ViewContext, id: string): Unmount {
  let closed = false;
  const series = new Map<string, Series>();
  const latestCells = new Map<string, { value: HTMLElement; quality: HTMLElement; time: HTMLElement }>();
  const latestTs = new Map<string, number>();
  let profile: Profile | undefined;
  let frame: number | undefined;

  const head = h('section', { class: 'panel station-head' });
  const latestBox = h('section', { class: 'panel' });
  const charts = h('section', { class: 'panel charts', data: { testid: 'charts' } });
  const aqiBox = h('section', { class: 'panel aqi' });
  const alertsBox = h('section', { class: 'panel' });
  const manageBox = h('section', { class: 'panel' });
  replace(main, head, h('div', { class: 'station-grid' }, latestBox, aqiBox), charts, h('div', { class: 'station-grid' }, alertsBox, can(ctx.user, 'admin') ? manageBox : null));

  const decimals = (metric: string) => profile?.metrics[metric]?.decimals ?? 2;

  async function load(): Promise<void> {
    const [detail, profiles, rules, overview] = await Promise.all([
      api<{ station: StationJson; latest: Array<{ metric: string; ts: string; value: number | null; quality: string; unit: string | null }> }>('GET', `/api/v1/stations/${encodeURIComponent(id)}`),
      api<{ data: Profile[] }>('GET', '/api/v1/profiles'),
      api<{ data: RuleView[] }>('GET', '/api/v1/rules'),
      api<{ stations: StationLive[] }>('GET', '/api/v1/overview'),
    ]);
    if (closed) return;
    const station = detail.station;
    profile = profiles.data.find((p) => p.id === station.profile);
    const live = overview.stations.find((s) => s.id === id);
    document.title = `${station.name} · Quantrac`;
    replace(
      head,
      h('h1', { data: { testid: 'station-name' } }, station.name),
      h('div', { class: 'muted' }, `${station.id} · ${station.province ?? ''} · ${profile ? loc(profile.name) : station.profile}`),
      h('div', { class: 'head-badges' }, live ? stateBadge(live.state) : null, live ? aqiChip(live.aqi, live.aqiCategory) : null, live?.aqiCategory ? h('span', {}, aqiName(live.aqiCategory)) : null),
    );

    const now = Date.now();
    const metrics = Object.keys(profile?.metrics ?? {});
    const latestBy = new Map(detail.latest.map((l) => [l.metric, l]));
    const tbody = h('tbody');
    for (const m of metrics) {
      const def = profile!.metrics[m]!;
      const l = latestBy.get(m);
      const cells = { value: h('td', { class: 'num', data: { metric: m } }, fmtNum(l?.value ?? null, decimals(m))), quality: h('td', {}, l ? tk('q', l.quality) : '–'), time: h('td', { class: 'muted' }, l ? fmtDateTime(l.ts) : '–') };
      latestCells.set(m, cells);
      if (l) latestTs.set(m, Date.parse(l.ts));
      const limits = limitsFor(rules.data, station, m, now);
      series.set(m, { xs: [], ys: [], limits, dirty: false });
      tbody.append(h('tr', {}, h('th', {}, loc(def.name)), cells.value, h('td', {}, def.unit), cells.quality, h('td', {}, limits.map((x) => x.label).join('; ') || '–'), cells.time));
    }
    replace(latestBox, h('h2', {}, t('latest')), h('table', { class: 'latest', data: { testid: 'latest' } }, h('thead', {}, h('tr', {}, ...[t('metric'), t('value'), t('unit'), t('quality'), t('limit'), t('time')].map((c) => h('th', {}, c)))), tbody));

    await loadReadings(new Date(now - DAY_MS));
    if (closed) return;
    replace(charts, h('h2', {}, t('charts24h')));
    for (const m of metrics) {
      const s = series.get(m)!;
      if (s.xs.length === 0 && !latestBy.has(m)) continue;
      const box = h('div', { class: 'chart', data: { metric: m } }, h('h3', {}, `${loc(profile!.metrics[m]!.name)} (${profile!.metrics[m]!.unit})`));
      charts.append(box);
      s.chart = makeChart(box, m, s);
    }
    if (charts.childElementCount === 1) charts.append(h('p', { class: 'muted' }, t('noData')));

    await Promise.all([loadAqi(), loadAlerts()]);
    if (can(ctx.user, 'admin')) renderManage(station);
  }

  /** Fetches readings since `from` (per metric, downsampled by the server) and merges them in. */
  async function loadReadings(from: Date): Promise<void> {
    await Promise.all(
      [...series.keys()].map(async (m) => {
        const q = new URLSearchParams({ metric: m, from: from.toISOString(), limit: '100000', maxPoints: String(CHART_POINTS) });
        const res = await api<{ data: Array<{ ts: string; value: number | null; quality: string }> }>('GET', `/api/v1/stations/${encodeURIComponent(id)}/readings?${q.toString()}`);
        const s = series.get(m)!;
        for (const r of res.data) insertSorted(s.xs, s.ys, Date.parse(r.ts) / 1000, r.value);
        s.dirty = true;
        const last = res.data[res.data.length - 1];
        if (last) showLatest(m, { metric: m, ts: Date.parse(last.ts), value: last.value, quality: last.quality });
      }),
    );
    redraw();
  }

  function makeChart(box: HTMLElement, metric: string, s: Series): uPlot {
    const width = Math.max(280, box.clientWidth || 600);
    const limitColours = ['#d32f2f', '#8e24aa', '#6d4c41'];
    const opts: uPlot.Options = {
      width,
      height: 170,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), TIME_ZONE),
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      axes: [{ stroke: '#555', grid: { stroke: '#eee' }, values: (_u, splits) => splits.map((v) => fmtTime(v * 1000)) }, { stroke: '#555', grid: { stroke: '#eee' }, size: 56, values: (_u, splits) => splits.map((v) => fmtNum(v, 2)) }],
      series: [{}, { label: metric, stroke: '#1565c0', width: 1.5, spanGaps: false }, ...s.limits.map((l, i) => ({ label: l.label, stroke: limitColours[i % limitColours.length]!, width: 1, dash: [6, 4], points: { show: false } }))],
    };
    return new uPlot(opts, chartData(s), box);
  }

  function chartData(s: Series): uPlot.AlignedData {
    return [s.xs, s.ys, ...s.limits.map((l) => s.xs.map(() => l.value))] as uPlot.AlignedData;
  }

  function redraw(): void {
    if (frame !== undefined) return;
    frame = requestAnimationFrame(() => {
      frame = undefined;
      const cutoff = (Date.now() - DAY_MS) / 1000;
      for (const s of series.values()) {
        if (!s.dirty) continue;
        s.dirty = false;
        let drop = 0;
        while (drop < s.xs.length && s.xs[drop]! < cutoff) drop++;
        if (drop > 0) {
          s.xs.splice(0, drop);
          s.ys.splice(0, drop);
        }
        s.chart?.setData(chartData(s));
      }
    });
  }

  function onReadings(f: ReadingsFrame): void {
    if (f.station !== id) return;
    const newest = new Map<string, LiveReading>();
    for (const r of f.readings) {
      const s = series.get(r.metric);
      if (!s) continue;
      insertSorted(s.xs, s.ys, r.ts / 1000, r.value);
      s.dirty = true;
      const prev = newest.get(r.metric);
      if (!prev || prev.ts <= r.ts) newest.set(r.metric, r);
    }
    for (const [m, r] of newest) showLatest(m, r);
    redraw();
  }

  /** Shows `r` in the latest-values table unless a newer reading is shown already. */
  function showLatest(m: string, r: LiveReading): void {
    const cells = latestCells.get(m);
    if (!cells || (latestTs.get(m) ?? 0) > r.ts) return;
    latestTs.set(m, r.ts);
    cells.value.textContent = fmtNum(r.value, decimals(m));
    cells.quality.textContent = tk('q', r.quality);
    cells.time.textContent = fmtDateTime(r.ts);
  }

  async function loadAqi(): Promise<void> {
    const [hour, day] = await Promise.all([api<{ data: AqiRow[] }>('GET', `/api/v1/stations/${encodeURIComponent(id)}/aqi?period=hour`), api<{ data: AqiRow[] }>('GET', `/api/v1/stations/${encodeURIComponent(id)}/aqi?period=day`)]);
    if (closed) return;
    const bar = (r: AqiRow, label: string) => {
      const colour = aqiColour(r.category.key);
      return h('div', { class: 'aqi-bar', title: `${label}: ${r.aqi} (${aqiName(r.category.key)}, ${r.dominant})` }, h('span', { class: 'aqi-fill', style: { height: `${Math.min(100, (r.aqi / 300) * 100)}%`, background: colour } }), h('span', { class: 'aqi-label' }, String(r.aqi)));
    };
    replace(
      aqiBox,
      h('h2', {}, t('aqiHourly')),
      hour.data.length ? h('div', { class: 'aqi-bars', data: { testid: 'aqi-hourly' } }, ...hour.data.slice(-24).map((r) => bar(r, fmtDateTime(r.ts)))) : h('p', { class: 'muted' }, t('noData')),
      h('h2', {}, t('aqiDaily')),
      day.data.length
        ? h('table', { class: 'aqi-daily' }, h('tbody', {}, ...day.data.slice(-7).reverse().map((r) => h('tr', {}, h('td', {}, fmtDay(r.ts)), h('td', {}, aqiChip(r.aqi, r.category.key)), h('td', {}, aqiName(r.category.key)), h('td', { class: 'muted' }, r.dominant)))))
        : h('p', { class: 'muted' }, t('noData')),
    );
  }

  async function loadAlerts(): Promise<void> {
    const res = await api<{ data: AlertJson[] }>('GET', `/api/v1/alerts?station=${encodeURIComponent(id)}&limit=50`);
    if (closed) return;
    const rows = res.data.sort(byUrgency);
    replace(
      alertsBox,
      h('h2', {}, t('stationAlerts')),
      rows.length
        ? h('ul', { class: 'feed' }, ...rows.map((a) => h('li', { class: `feed-item sev-${a.severity}` }, severityBadge(a.severity), alertStateBadge(a.state), h('a', { href: `/alerts?id=${a.id}`, data: { nav: '' } }, loc(a.message)), h('time', { class: 'muted' }, fmtDateTime(a.openedAt)))))
        : h('p', { class: 'muted' }, t('noAlerts')),
    );
  }

  function renderManage(station: StationJson): void {
    const name = h('input', { name: 'name', value: station.name, required: true });
    const province = h('input', { name: 'province', value: station.province ?? '' });
    const enabled = h('input', { name: 'enabled', type: 'checkbox', checked: station.enabled });
    const note = h('span', { class: 'muted' });
    replace(
      manageBox,
      h('h2', {}, t('manage')),
      h(
        'form',
        {
          class: 'stack',
          on: {
            submit: (ev) => {
              ev.preventDefault();
              api('PATCH', `/api/v1/stations/${encodeURIComponent(id)}`, { name: name.value, province: province.value || null, enabled: enabled.checked }).then(
                () => void (note.textContent = t('saved')),
                (err: unknown) => void (note.textContent = `${t('error')}: ${(err as Error).message}`),
              );
            },
          },
        },
        h('label', {}, t('name'), name),
        h('label', {}, t('province'), province),
        h('label', { class: 'check' }, enabled, t('enabled')),
        h('button', { type: 'submit' }, t('save')),
        note,
      ),
    );
  }

  const fail = (what: string) => (err: unknown) => console.error(`station: ${what} failed`, err);
  const offReadings = ctx.live.subscribe(`station:${id}`, 'readings', onReadings);
  const offAlerts = ctx.live.subscribe('alerts', 'alerts', (f) => {
    if (f.alerts.some((x) => x.alert.station === id)) loadAlerts().catch(fail('alerts'));
  });
  // After a reconnect: fetch from the newest point each chart has, so no reading is missing.
  const offReconnect = ctx.live.onReconnect(() => {
    let from = Date.now();
    for (const s of series.values()) from = Math.min(from, s.xs.length ? s.xs[s.xs.length - 1]! * 1000 : Date.now() - DAY_MS);
    loadReadings(new Date(from)).catch(fail('gap fill'));
  });
  load().catch(fail('loading'));

  return () => {
    closed = true;
    if (frame !== undefined) cancelAnimationFrame(frame);
    offReadings();
    offAlerts();
    offReconnect();
    for (const s of series.values()) s.chart?.destroy();
  };
}
