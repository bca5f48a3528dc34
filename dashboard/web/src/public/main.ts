/**
 * The public open-data page (/public): no sign-in, Vietnamese by default and English, built for
 * a phone on a slow connection. Everything it shows comes from the anonymous open API
 * (/open/v1), whose answers the browser caches and revalidates by ETag. Two views:
 * - the list (/public): the map of Vietnam with every public station coloured by its current
 *   VN_AQI or VN_WQI category (hydromet, salinity, wastewater: flood level, salinity class or limit
 *   compliance, own-index.ts), and the stations with the index, category and health advice;
 * - a station (/public?station=ID): its current index and advice, the latest valid values, the
 *   last 24 hours of the hourly index and the last 30 days of the daily index.
 * DOM built with textContent only (dom.ts, svg.ts); the page's CSP allows this origin only.
 */
import { VN_AQI_CATEGORIES, VN_WQI_CLASSES } from '../../../../domain/indices/categories';
import { fold, h, replace } from '../dom';
import { barChart, type Bar } from './chart';
import { fmtDateTime, fmtDay, fmtHour, fmtNum, lang, loc, setLang, t } from './i18n';
import { stationMap } from './map';
import { ownIndex } from './own-index';
import type { TypeIndex } from '../../../../domain/type-index';
import './public.css';

interface Text {
  vi: string;
  en: string;
}
interface Category {
  key: string;
  level: number | null;
  name: Text;
  color: string | null;
}
interface PublicStation {
  id: string;
  name: string;
  profile: string;
  province: string | null;
  lat: number;
  lon: number;
  indexName: 'VN_AQI' | 'VN_WQI' | null;
  metrics: Array<{ key: string; name: Text; unit: string | null }>;
  index: null | { name: string; ts: string; value: number; dominant: string; category: Category };
  /** Hydromet, salinity, wastewater: their own index (absent for the other types). */
  typeIndex?: TypeIndex | null;
  typeIndexMissing?: 'levels' | 'limits';
}
interface Licence {
  license: string;
  licenseUrl: string;
  attribution: string;
}
interface IndexPoint {
  ts: string;
  value: number;
  category: string;
  color: string | null;
}

const HOUR = 3_600_000;
const NO_INDEX = '#c9d1d9';
const app = document.getElementById('app')!;
let licence: Licence | undefined;
let filter: 'all' | 'air' | 'water' | 'other' = 'all';
let query = '';

async function getJson<T>(path: string): Promise<T & Licence> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw Object.assign(new Error(`${path}: ${res.status}`), { status: res.status });
  const body = (await res.json()) as T & Licence;
  licence = { license: body.license, licenseUrl: body.licenseUrl, attribution: body.attribution };
  return body;
}

/** Black or white text, whichever reads better on `hex`. */
function inkOn(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  const lum = (0.299 * ((n >> 16) & 255) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255)) / 255;
  return lum > 0.6 ? '#111' : '#fff';
}

function chip(value: number | string | null, color: string | null, big = false): HTMLElement {
  const bg = color ?? NO_INDEX;
  return h('span', { class: big ? 'chip chip-big' : 'chip', style: { background: bg, color: inkOn(bg) }, data: { testid: 'index-chip' } }, value === null ? '–' : String(value));
}

/** The official category text for a station's index: VN_AQI health advice or VN_WQI suitable use. */
function adviceOf(indexName: string | null, key: string): { label: string; text: string } | undefined {
  if (indexName === 'VN_WQI') {
    const c = VN_WQI_CLASSES.find((x) => x.key === key);
    return c ? { label: t('use'), text: lang() === 'vi' ? c.useVi : c.useEn } : undefined;
  }
  const c = VN_AQI_CATEGORIES.find((x) => x.key === key);
  return c ? { label: t('advice'), text: lang() === 'vi' ? c.adviceVi : c.adviceEn } : undefined;
}

function kindOf(profile: string): 'air' | 'water' | 'other' {
  return profile === 'air-quality' ? 'air' : profile === 'surface-water' ? 'water' : 'other';
}

function header(): HTMLElement {
  return h(
    'header',
    { class: 'top' },
    h('a', { href: '/public', class: 'brand', on: { click: (ev) => navigate(ev, undefined) } }, h('strong', {}, t('title')), h('span', {}, t('subtitle'))),
    h('button', { type: 'button', class: 'lang', data: { testid: 'lang' }, on: { click: () => switchLang() } }, t('switchLang')),
  );
}

function legend(): HTMLElement {
  const item = (c: { colorHex: string; nameVi: string; nameEn: string; min: number; max: number }) =>
    h('li', {}, h('span', { class: 'swatch', style: { background: c.colorHex } }), `${lang() === 'vi' ? c.nameVi : c.nameEn} ${c.min}–${c.max}`);
  return h(
    'section',
    { class: 'legend', aria: { label: 'legend' } },
    h('h3', {}, t('legendAqi')),
    h('ul', { data: { testid: 'legend-aqi' } }, ...VN_AQI_CATEGORIES.map(item)),
    h('h3', {}, t('legendWqi')),
    h('ul', {}, ...VN_WQI_CLASSES.map(item)),
  );
}

function footer(): HTMLElement {
  return h(
    'footer',
    { class: 'foot' },
    licence ? h('p', {}, `${t('source')}: ${licence.attribution} · ${t('licence')}: `, h('a', { href: licence.licenseUrl, data: { testid: 'license' } }, licence.license)) : null,
    h('p', {}, `${t('api')}: `, h('a', { href: '/open/v1' }, '/open/v1'), ' · ', h('a', { href: '/api/docs' }, 'OpenAPI')),
    h('p', { class: 'muted' }, t('adviceNote')),
  );
}

function failure(retry: () => void): HTMLElement {
  return h('div', { class: 'failure' }, h('p', {}, t('loadFailed')), h('button', { type: 'button', on: { click: retry } }, t('retry')));
}

function navigate(ev: Event | undefined, stationId: string | undefined): void {
  ev?.preventDefault();
  history.pushState(null, '', stationId ? `/public?station=${encodeURIComponent(stationId)}` : '/public');
  void render();
  window.scrollTo(0, 0);
}

function switchLang(): void {
  setLang(lang() === 'vi' ? 'en' : 'vi');
  document.title = `${t('title')} – open data`;
  void render();
}

// ---- the list ----
function stationItem(s: PublicStation): HTMLElement {
  const advice = s.index ? adviceOf(s.indexName, s.index.category.key) : undefined;
  const own = ownIndex(s);
  return h(
    'li',
    { class: 'station', data: { station: s.id, category: s.index?.category.key ?? own?.cls ?? 'none' } },
    h(
      'a',
      { href: `/public?station=${encodeURIComponent(s.id)}`, on: { click: (ev) => navigate(ev, s.id) } },
      chip(own?.text ?? s.index?.value ?? null, own?.color ?? s.index?.category.color ?? null),
      h(
        'span',
        { class: 'station-text' },
        h('span', { class: 'station-name' }, s.name),
        h('span', { class: 'muted' }, [s.province, s.indexName ?? own?.name].filter(Boolean).join(' · ')),
        s.index
          ? h('span', { class: 'category', data: { testid: 'category' } }, `${loc(s.index.category.name)} · ${fmtHour(s.index.ts)}`)
          : own
            ? h('span', { class: 'category', data: { testid: 'category' } }, own.category)
            : h('span', { class: 'muted' }, t('noIndex')),
        advice ? h('span', { class: 'advice' }, advice.text) : null,
      ),
    ),
  );
}

/** The category's level (1 best … 6 worst), every index alike; 0 without one. */
const rankOf = (s: PublicStation) => s.index?.category.level ?? ownIndex(s)?.rank ?? 0;

async function renderList(): Promise<void> {
  let stations: PublicStation[];
  try {
    stations = (await getJson<{ data: PublicStation[] }>('/open/v1/stations')).data;
  } catch {
    replace(
      app,
      header(),
      failure(() => void render()),
    );
    return;
  }
  const listEl = h('ul', { class: 'stations', data: { testid: 'stations' } });
  const drawList = () => {
    const q = fold(query);
    const shown = stations
      .filter((s) => (filter === 'all' || kindOf(s.profile) === filter) && (!q || fold(`${s.name} ${s.province ?? ''} ${s.id}`).includes(q)))
      // the worst air first: what a citizen looks for during an episode
      .sort((a, b) => rankOf(b) - rankOf(a) || (b.index?.value ?? -1) - (a.index?.value ?? -1) || a.name.localeCompare(b.name, 'vi'));
    replace(listEl, ...shown.map(stationItem));
  };
  const filterButtons = (['all', 'air', 'water', 'other'] as const).map((f) =>
    h(
      'button',
      {
        type: 'button',
        class: filter === f ? 'filter on' : 'filter',
        aria: { pressed: String(filter === f) },
        on: {
          click: () => {
            filter = f;
            void render();
          },
        },
      },
      t(f),
    ),
  );
  const search = h('input', {
    type: 'search',
    placeholder: t('search'),
    value: query,
    aria: { label: t('search') },
    on: {
      input: (ev) => {
        query = (ev.target as HTMLInputElement).value;
        drawList();
      },
    },
  });
  drawList();
  const mapStations = stations.map((s) => ({ id: s.id, name: s.name, lat: s.lat, lon: s.lon, color: s.index?.category.color ?? ownIndex(s)?.color ?? NO_INDEX, rank: rankOf(s) }));
  replace(
    app,
    header(),
    h(
      'main',
      { class: 'home' },
      h(
        'section',
        { class: 'map-box' },
        stationMap(mapStations, lang(), t('map'), (id) => navigate(undefined, id)),
        legend(),
      ),
      h('section', { class: 'list-box' }, h('h2', {}, t('stations')), h('div', { class: 'filters' }, ...filterButtons), search, listEl),
    ),
    footer(),
  );
}

// ---- a station ----
function hourSlots(toIso: string, hours: number): string[] {
  const to = Date.parse(toIso);
  return Array.from({ length: hours }, (_, i) => new Date(to - (hours - 1 - i) * HOUR).toISOString());
}
function daySlots(first: string, last: string): string[] {
  const out: string[] = [];
  for (let d = Date.parse(`${first}T00:00:00Z`); d <= Date.parse(`${last}T00:00:00Z`); d += 24 * HOUR) out.push(new Date(d).toISOString().slice(0, 10));
  return out;
}
const toBars = (points: readonly IndexPoint[], fmt: (k: string) => string): Bar[] =>
  points.map((p) => ({ key: p.ts, value: p.value, color: p.color ?? NO_INDEX, title: `${fmt(p.ts)}: ${p.value}` }));

async function renderStation(id: string): Promise<void> {
  let detail: { station: PublicStation; latest: Array<{ metric: string; ts: string; value: number; unit: string | null }> };
  try {
    detail = await getJson('/open/v1/stations/' + encodeURIComponent(id));
  } catch (err) {
    const notFound = (err as { status?: number }).status === 404;
    replace(
      app,
      header(),
      h(
        'main',
        { class: 'station-view' },
        h('a', { href: '/public', class: 'back', on: { click: (ev) => navigate(ev, undefined) } }, t('back')),
        notFound ? h('p', {}, t('notFound')) : failure(() => void render()),
      ),
      footer(),
    );
    return;
  }
  const s = detail.station;
  const names = new Map(s.metrics.map((m) => [m.key, m]));
  const advice = s.index ? adviceOf(s.indexName, s.index.category.key) : undefined;
  const own = ownIndex(s);
  const charts = h('div', { class: 'charts' });
  replace(
    app,
    header(),
    h(
      'main',
      { class: 'station-view', data: { station: s.id } },
      h('a', { href: '/public', class: 'back', on: { click: (ev) => navigate(ev, undefined) } }, t('back')),
      h('h1', {}, s.name),
      h('p', { class: 'muted' }, [s.province, s.id].filter(Boolean).join(' · ')),
      h(
        'div',
        { class: 'now' },
        chip(own?.text ?? s.index?.value ?? null, own?.color ?? s.index?.category.color ?? null, true),
        h(
          'div',
          {},
          h('div', { class: 'now-index' }, s.indexName ?? own?.name ?? ''),
          s.index || own
            ? h('div', { class: 'now-category', data: { testid: 'category' } }, s.index ? loc(s.index.category.name) : (own?.category ?? ''))
            : h('div', { class: 'muted' }, t('noIndex')),
          s.index ? h('div', { class: 'muted' }, `${t('updated')}: ${fmtDateTime(s.index.ts)}`) : null,
          s.index && names.has(s.index.dominant) ? h('div', { class: 'muted' }, `${t('dominant')}: ${loc(names.get(s.index.dominant)!.name)}`) : null,
        ),
      ),
      advice
        ? h(
            'div',
            { class: 'advice-box', style: { borderColor: s.index?.category.color ?? NO_INDEX } },
            h('strong', {}, advice.label),
            h('p', { data: { testid: 'advice' } }, advice.text),
          )
        : null,
      charts,
      h('h2', {}, t('latest')),
      detail.latest.length === 0
        ? h('p', { class: 'muted' }, t('noData'))
        : h(
            'table',
            { class: 'latest' },
            h('thead', {}, h('tr', {}, h('th', {}, t('metric')), h('th', {}, t('value')), h('th', {}, t('time')))),
            h(
              'tbody',
              {},
              ...detail.latest.map((r) =>
                h(
                  'tr',
                  {},
                  h('td', {}, loc(names.get(r.metric)?.name) || r.metric),
                  h('td', { class: 'num' }, `${fmtNum(r.value, 2)} ${r.unit ?? ''}`),
                  h('td', {}, fmtDateTime(r.ts)),
                ),
              ),
            ),
          ),
    ),
    footer(),
  );
  if (!s.indexName) return;
  const base = `/open/v1/stations/${encodeURIComponent(s.id)}/index`;
  try {
    const day = await getJson<{ from: string; to: string; data: IndexPoint[] }>(`${base}?period=hour`);
    charts.appendChild(h('h2', {}, t('last24h')));
    charts.appendChild(day.data.length ? barChart(hourSlots(day.to, 24), toBars(day.data, fmtHour), fmtHour, t('last24h')) : h('p', { class: 'muted' }, t('noData')));
    if (s.indexName === 'VN_AQI') {
      const month = await getJson<{ firstDay: string; lastDay: string; data: IndexPoint[] }>(`${base}?period=day`);
      charts.appendChild(h('h2', {}, t('last30d')));
      charts.appendChild(
        month.data.length ? barChart(daySlots(month.firstDay, month.lastDay), toBars(month.data, fmtDay), fmtDay, t('last30d')) : h('p', { class: 'muted' }, t('noData')),
      );
    } else {
      // VN_WQI is hourly only (Decision 1460 has no daily index): 30 days of hourly values
      const month = await getJson<{ from: string; to: string; data: IndexPoint[] }>(`${base}?period=hour&days=30`);
      charts.appendChild(h('h2', {}, t('last30dHourly')));
      charts.appendChild(
        month.data.length
          ? barChart(
              hourSlots(month.to, 30 * 24),
              toBars(month.data, fmtDateTime),
              (k) => fmtDay(new Date(Date.parse(k) + 7 * HOUR).toISOString().slice(0, 10)),
              t('last30dHourly'),
            )
          : h('p', { class: 'muted' }, t('noData')),
      );
    }
  } catch {
    charts.appendChild(failure(() => void render()));
  }
}

async function render(): Promise<void> {
  document.documentElement.lang = lang();
  const id = new URLSearchParams(location.search).get('station');
  if (id) await renderStation(id);
  else await renderList();
  app.dataset['ready'] = 'true';
  // the language the page on screen is drawn in (html[lang] changes at the click, before the redraw)
  app.dataset['lang'] = lang();
}

window.addEventListener('popstate', () => void render());
// The list refreshes every 5 minutes while it is on screen (indices are hourly; the HTTP cache absorbs the rest).
setInterval(() => {
  // not while someone is typing in the search box (a redraw would take the focus away)
  if (document.visibilityState === 'visible' && !new URLSearchParams(location.search).get('station') && document.activeElement?.tagName !== 'INPUT') void render();
}, 5 * 60_000);
void render();
