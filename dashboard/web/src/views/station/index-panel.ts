/**
 * @module dashboard/web/views/station/index-panel
 * The panel of the station type's own index: VN_AQI hourly bars and daily values (air), VN_WQI
 * hourly bars and class (surface water), the flood alarm level reached against the station's own
 * BĐ I/II/III (hydromet), the salinity class by the ‰ lines (salinity), compliance of each metric
 * with the station's limits (wastewater). Hourly bars are labelled by the hour they END, and only
 * finished hours are drawn: the current hour is still filling and its end is in the future.
 */
import { api } from '../../api';
import { aqiChip, aqiColour, aqiName, inkOn, wqiClass, wqiColour, wqiName } from '../../common';
import { h, replace } from '../../dom';
import { fmtDay, fmtNum, fmtTime, lang, t } from '../../i18n';
import type { Limit, StationLimits } from './limits';
import { compliance, indexKindOf, LEVEL_METRIC, levelColour, levelState, type IndexKind } from './station-index';
import type { IndexRow, Profile, StationJson } from './types';

export interface IndexPanel {
  el: HTMLElement;
  kind: IndexKind;
  /** (Re)loads the hourly indices (VN_AQI, VN_WQI). */
  load(): Promise<void>;
  /** A metric's newest value changed (level and compliance states follow it). */
  value(metric: string, value: number | null): void;
}

const INDEX_NAME: Record<IndexKind, string> = { vn_aqi: 'VN_AQI', vn_wqi: 'VN_WQI', flood: '', salinity: '', compliance: '', none: '' };

/** Finished hours only: an hour-end label later than now is the hour still filling. */
export function finishedHours(rows: readonly IndexRow[], now: number): IndexRow[] {
  return rows.filter((r) => Date.parse(r.ts) <= now);
}

export function createIndexPanel(station: StationJson, profile: Profile | undefined, limits: StationLimits, latest: Map<string, number | null>): IndexPanel {
  const kind = indexKindOf(station.profile);
  const el = h('section', { class: 'panel aqi station-index', data: { testid: 'index-panel', kind } });
  const id = encodeURIComponent(station.id);
  const unit = (m: string) => profile?.metrics[m]?.unit ?? '';
  const decimals = (m: string) => profile?.metrics[m]?.decimals ?? 2;

  function headline(name: string, value: string, colour: string, category: string, extra?: string): HTMLElement {
    return h(
      'div',
      { class: 'index-head', data: { testid: 'station-index', index: name } },
      h('span', { class: 'index-name' }, name),
      h('span', { class: 'index-value', style: { background: colour, color: inkOn(colour) } }, value),
      h('span', { class: 'index-category' }, category),
      extra ? h('div', { class: 'muted index-extra' }, extra) : null,
    );
  }

  function bars(rows: IndexRow[], colour: (key: string) => string, name: (key: string) => string, top: number): HTMLElement {
    const shown = rows.slice(-24);
    return h(
      'div',
      { class: 'aqi-bars-wrap' },
      h(
        'div',
        { class: 'aqi-bars', data: { testid: 'aqi-hourly' } },
        ...shown.map((r) =>
          h(
            'div',
            {
              class: 'aqi-bar',
              data: { hourEnd: r.ts },
              title: `${t('hourEnding')} ${fmtTime(r.ts)}: ${r.aqi} (${name(r.category.key)}${r.dominant && r.dominant !== 'wqi' ? ', ' + r.dominant : ''})`,
            },
            h('span', { class: 'aqi-fill', style: { height: `${Math.min(100, (r.aqi / top) * 100)}%`, background: colour(r.category.key) } }),
            h('span', { class: 'aqi-label' }, String(r.aqi)),
          ),
        ),
      ),
      h('div', { class: 'aqi-hours muted' }, ...shown.map((r, i) => h('span', {}, i % 3 === 2 || i === shown.length - 1 ? fmtTime(r.ts) : ''))),
    );
  }

  async function loadAqi(): Promise<void> {
    const [hour, day] = await Promise.all([
      api<{ data: IndexRow[] }>('GET', `/api/v1/stations/${id}/aqi?period=hour`),
      api<{ data: IndexRow[] }>('GET', `/api/v1/stations/${id}/aqi?period=day`),
    ]);
    const hours = finishedHours(hour.data, Date.now());
    const partial = hours.length === 0 ? hour.data.at(-1) : undefined;
    const now = hours.at(-1) ?? partial;
    replace(
      el,
      h('h2', {}, t('aqiHourly')),
      now
        ? headline('VN_AQI', String(now.aqi), aqiColour(now.category.key), aqiName(now.category.key), partial ? t('hourInProgress') : `${t('hourEnding')} ${fmtTime(now.ts)}`)
        : headline('VN_AQI', '–', aqiColour(null), t('noData')),
      hours.length ? bars(hours, aqiColour, aqiName, 300) : null,
      h('h2', {}, t('aqiDaily')),
      day.data.length
        ? h(
            'table',
            { class: 'aqi-daily' },
            h(
              'tbody',
              {},
              ...day.data
                .slice(-7)
                .reverse()
                .map((r) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, fmtDay(r.ts)),
                    h('td', {}, aqiChip(r.aqi, r.category.key)),
                    h('td', {}, aqiName(r.category.key)),
                    h('td', { class: 'muted' }, r.dominant),
                  ),
                ),
            ),
          )
        : h('p', { class: 'muted' }, t('noData')),
      h('p', { class: 'muted source' }, `${t('source')}: QĐ 1459/QĐ-TCMT`),
    );
  }

  async function loadWqi(): Promise<void> {
    const hour = await api<{ data: IndexRow[] }>('GET', `/api/v1/stations/${id}/aqi?period=hour&index=wqi`);
    const hours = finishedHours(hour.data, Date.now());
    // the hour still filling is not a bar; shown as the headline only while no finished hour is
    const partial = hours.length === 0 ? hour.data.at(-1) : undefined;
    const now = hours.at(-1) ?? partial;
    const c = now ? wqiClass(now.category.key) : undefined;
    replace(
      el,
      h('h2', {}, t('wqiHourly')),
      now
        ? headline(
            'VN_WQI',
            String(now.aqi),
            wqiColour(now.category.key),
            wqiName(now.category.key),
            `${partial ? t('hourInProgress') : `${t('hourEnding')} ${fmtTime(now.ts)}`}${c ? ' · ' + (lang() === 'vi' ? c.useVi : c.useEn) : ''}`,
          )
        : headline('VN_WQI', '–', wqiColour(null), t('noData')),
      hours.length ? bars(hours, wqiColour, wqiName, 100) : null,
      h('p', { class: 'muted source' }, `${t('source')}: QĐ 1460/QĐ-TCMT`),
    );
  }

  function levelLine(l: Limit, reached: boolean): HTMLElement {
    return h('li', { class: reached ? 'reached' : '' }, `${l.label} ${unit(LEVEL_METRIC[kind] ?? '')}`);
  }

  function renderLevels(): void {
    const metric = LEVEL_METRIC[kind]!;
    const levels = (limits.byMetric.get(metric) ?? []).filter((l) => l.kind === 'level');
    const value = latest.get(metric) ?? null;
    const title = h('h2', {}, kind === 'flood' ? t('floodLevel') : t('salinityClass'));
    if (levels.length === 0) {
      replace(
        el,
        title,
        headline(
          kind === 'flood' ? t('floodLevel') : t('salinityClass'),
          value === null ? '–' : `${fmtNum(value, decimals(metric))} ${unit(metric)}`,
          '#c9d1d9',
          limits.missing.get(metric) ?? t('noLimits'),
        ),
      );
      return;
    }
    const state = value === null ? undefined : levelState(value, levels);
    const category = !state
      ? t('noData')
      : state.level
        ? (state.level.name ?? state.level.label)
        : kind === 'flood'
          ? `${t('belowLevel')} ${levels[0]!.name ?? levels[0]!.label}`
          : `< ${fmtNum(levels[0]!.value, 2)} ${unit(metric)}`;
    const extra =
      state?.next && state.margin !== undefined ? `${t('marginTo')} ${state.next.name ?? state.next.label}: ${fmtNum(state.margin, decimals(metric))} ${unit(metric)}` : undefined;
    replace(
      el,
      title,
      headline(
        kind === 'flood' ? t('floodLevel') : t('salinityClass'),
        value === null ? '–' : `${fmtNum(value, decimals(metric))} ${unit(metric)}`,
        state ? levelColour(state.reached, levels.length) : '#c9d1d9',
        category,
        extra,
      ),
      h('ul', { class: 'levels', data: { testid: 'levels' } }, ...levels.map((l, i) => levelLine(l, state !== undefined && state.reached > i))),
      h('p', { class: 'muted source' }, `${t('source')}: ${levels[0]!.source}`),
    );
  }

  function renderCompliance(): void {
    const rows = [...limits.byMetric].filter(([, ls]) => ls.some((l) => l.kind !== 'level'));
    let bad = 0;
    const body = rows.map(([m, ls]) => {
      const v = latest.get(m) ?? null;
      const c = compliance(v, ls);
      if (c === 'exceeds') bad++;
      return h(
        'tr',
        { data: { metric: m, compliance: c } },
        h('th', {}, profile?.metrics[m] ? (lang() === 'vi' ? profile.metrics[m].name.vi : profile.metrics[m].name.en) : m),
        h('td', { class: 'num' }, fmtNum(v, decimals(m))),
        h(
          'td',
          {},
          ls
            .filter((l) => l.kind !== 'level')
            .map((l) => l.label)
            .join('; '),
          ' ',
          unit(m),
        ),
        h('td', {}, h('span', { class: `badge comp-${c}` }, t(c === 'ok' ? 'compOk' : c === 'exceeds' ? 'compExceeds' : 'noData'))),
        h('td', { class: 'muted' }, [...new Set(ls.map((l) => l.source))].join('; ')),
      );
    });
    const colour = rows.length === 0 ? '#c9d1d9' : bad > 0 ? '#c62828' : '#2e7d32';
    replace(
      el,
      h('h2', {}, t('compliance')),
      headline(
        t('compliance'),
        rows.length ? `${rows.length - bad}/${rows.length}` : '–',
        colour,
        rows.length === 0 ? t('noLimits') : bad > 0 ? `${bad} ${t('compExceedsN')}` : t('compAllOk'),
        t('compNote'),
      ),
      rows.length
        ? h(
            'table',
            { class: 'compliance', data: { testid: 'compliance' } },
            h('thead', {}, h('tr', {}, ...[t('metric'), t('value'), t('limit'), t('state'), t('source')].map((x) => h('th', {}, x)))),
            h('tbody', {}, ...body),
          )
        : null,
    );
  }

  const panel: IndexPanel = {
    el,
    kind,
    async load() {
      if (kind === 'vn_aqi') await loadAqi();
      else if (kind === 'vn_wqi') await loadWqi();
      else if (kind === 'flood' || kind === 'salinity') renderLevels();
      else if (kind === 'compliance') renderCompliance();
      else replace(el, h('h2', {}, INDEX_NAME[kind] || t('index')), h('p', { class: 'muted' }, t('noIndex')));
    },
    value(metric, value) {
      if (latest.get(metric) === value) return;
      latest.set(metric, value);
      if ((kind === 'flood' || kind === 'salinity') && metric === LEVEL_METRIC[kind]) renderLevels();
      else if (kind === 'compliance' && limits.byMetric.has(metric)) renderCompliance();
    },
  };
  return panel;
}
