/**
 * @module dashboard/web/views/alerts/silences
 * Silences: the current and future ones, and (operators) a form to create one. "Silence" on an
 * alert fills the form in one click (its rule and station, a duration preset, the focus on the
 * comment), so nobody types a rule id by hand.
 */
import type { AlertJson } from '../../../../../domain/live';
import { api, can, type User } from '../../api';
import { alertText } from '../../common';
import { h, replace } from '../../dom';
import { fmtDateTime, t } from '../../i18n';
import type { AlertsMeta } from './meta';

interface Silence {
  id: number;
  station: string | null;
  rule: string | null;
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string;
}

/** Duration presets, hours. */
const PRESETS = [1, 4, 8, 24, 72];

export interface SilencesPanel {
  el: HTMLElement;
  load(): Promise<void>;
  /** Fills the form for `a` and brings it into view. */
  prefill(a: AlertJson): void;
}

export function createSilencesPanel(meta: AlertsMeta, user: User, closed: () => boolean): SilencesPanel {
  const el = h('section', { class: 'panel silences', data: { testid: 'silences' } });
  const table = h('tbody');
  const stationSel = h(
    'select',
    { name: 'station', data: { testid: 'silence-station' } },
    h('option', { value: '' }, `– ${t('allStations')} –`),
    ...[...meta.stations.values()].map((s) => h('option', { value: s.id }, `${s.name} (${s.id})`)),
  );
  const rule = h('input', { name: 'rule', placeholder: t('rule'), data: { testid: 'silence-rule' } });
  const ruleName = h('span', { class: 'muted small' });
  const hours = h('input', { name: 'hours', type: 'number', min: '1', max: '720', value: '4', data: { testid: 'silence-hours' } });
  const comment = h('input', { name: 'comment', placeholder: t('comment'), required: true, data: { testid: 'silence-comment' } });
  const about = h('p', { class: 'muted small', hidden: true });
  const error = h('span', { class: 'error' });
  const presets = h(
    'span',
    { class: 'range-presets' },
    ...PRESETS.map((n) =>
      h('button', { type: 'button', data: { hours: String(n) }, on: { click: () => setHours(n) } }, n < 24 ? `${n} ${t('hoursShort')}` : `${n / 24} ${t('daysShort')}`),
    ),
  );
  const form = h(
    'form',
    { class: 'silence-form', data: { testid: 'silence-form' }, on: { submit: (ev) => void submit(ev) } },
    h('strong', {}, t('newSilence')),
    about,
    h('div', { class: 'inline' }, h('label', {}, t('station'), stationSel), h('label', {}, t('rule'), rule, ruleName)),
    h('div', { class: 'inline' }, h('label', {}, t('duration'), h('span', { class: 'inline' }, presets, hours, t('hours').toLowerCase()))),
    h('div', { class: 'inline' }, comment, h('button', { type: 'submit', data: { testid: 'silence-create' } }, t('create')), error),
  );
  rule.addEventListener('input', () => (ruleName.textContent = rule.value ? meta.ruleName(rule.value) : ''));

  function setHours(n: number): void {
    hours.value = String(n);
    for (const b of presets.querySelectorAll('button')) b.classList.toggle('active', b.dataset.hours === String(n));
  }
  setHours(4);

  replace(
    el,
    h('h2', {}, t('silences')),
    h('table', { class: 'silences-table' }, h('thead', {}, h('tr', {}, ...[t('station'), t('rule'), t('until'), t('comment'), t('by')].map((c) => h('th', {}, c)))), table),
    can(user, 'operator') ? form : null,
  );

  async function submit(ev: Event): Promise<void> {
    ev.preventDefault();
    error.textContent = '';
    const body = {
      ...(stationSel.value ? { station: stationSel.value } : {}),
      ...(rule.value.trim() ? { rule: rule.value.trim() } : {}),
      endsAt: new Date(Date.now() + Number(hours.value) * 3_600_000).toISOString(),
      comment: comment.value,
    };
    try {
      await api('POST', '/api/v1/silences', body);
      comment.value = '';
      about.hidden = true;
      await load();
    } catch (err) {
      error.textContent = (err as Error).message;
    }
  }

  async function load(): Promise<void> {
    const res = await api<{ data: Silence[] }>('GET', '/api/v1/silences');
    if (closed()) return;
    replace(
      table,
      ...res.data.map((s) =>
        h(
          'tr',
          {},
          h('td', {}, s.station ? (meta.stations.get(s.station)?.name ?? s.station) : '–'),
          h('td', { title: s.rule ?? '' }, s.rule ? meta.ruleName(s.rule) : '–'),
          h('td', {}, fmtDateTime(s.endsAt)),
          h('td', {}, s.comment),
          h('td', {}, s.createdBy),
        ),
      ),
    );
    if (res.data.length === 0) replace(table, h('tr', {}, h('td', { class: 'muted', colspan: '5' }, t('noSilences'))));
  }

  return {
    el,
    load,
    prefill(a) {
      stationSel.value = a.station;
      rule.value = a.rule;
      ruleName.textContent = meta.ruleName(a.rule);
      setHours(a.severity === 'critical' ? 1 : 4);
      about.hidden = false;
      about.textContent = `${t('silenceFor')}: ${meta.stations.get(a.station)?.name ?? a.station} – ${alertText(a)}`;
      form.classList.add('prefilled');
      form.scrollIntoView({ behavior: 'smooth', block: 'center' });
      comment.focus({ preventScroll: true });
    },
  };
}
