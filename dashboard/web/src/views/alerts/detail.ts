/**
 * @module dashboard/web/views/alerts/detail
 * The selected alert: its facts (value with unit, rule, times, who acknowledged or resolved it),
 * acknowledge (comment) and resolve (reason) for operators, a one-click prefilled silence, a link
 * to the station's charts around the alert, and its history with the triggering readings.
 */
import type { AlertJson, Severity } from '../../../../../domain/live';
import { api, can, type User } from '../../api';
import { alertStateBadge, alertText, chartHref, severityBadge } from '../../common';
import { h, replace } from '../../dom';
import { fmtDateTime, fmtNum, loc, t, tk } from '../../i18n';
import type { AlertsMeta } from './meta';

interface HistoryEntry {
  at: string;
  type: string;
  from: string | null;
  to: string | null;
  severity: Severity | null;
  actor: string | null;
  comment: string | null;
  value: number | null;
  evidence: unknown;
}

export interface DetailOptions {
  meta: AlertsMeta;
  user: User;
  closed(): boolean;
  /** After an acknowledge or resolve. */
  changed(): Promise<void>;
  silence(a: AlertJson): void;
}

export async function renderDetail(el: HTMLElement, id: number, o: DetailOptions): Promise<void> {
  const res = await api<{ alert: AlertJson; rule: { name: { en: string; vi: string } } | null; history: HistoryEntry[] }>('GET', `/api/v1/alerts/${id}`);
  if (o.closed()) return;
  const a = res.alert;
  const station = o.meta.stations.get(a.station);
  replace(
    el,
    h('h2', {}, severityBadge(a.severity), ' ', alertText(a)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('state')),
      h('dd', { data: { testid: 'detail-state' } }, alertStateBadge(a.state)),
      h('dt', {}, t('station')),
      h(
        'dd',
        {},
        h('a', { href: `/stations/${encodeURIComponent(a.station)}`, data: { nav: '' } }, station?.name ?? a.station),
        ' · ',
        h('a', { href: chartHref(a.station, a.firingAt ?? a.openedAt), data: { nav: '', testid: 'detail-chart' } }, t('openChart')),
      ),
      h('dt', {}, t('rule')),
      h('dd', {}, res.rule ? loc(res.rule.name) : a.rule),
      h('dt', {}, t('value')),
      h('dd', { data: { testid: 'detail-value' } }, o.meta.value(a)),
      h('dt', {}, t('openedAt')),
      h('dd', {}, fmtDateTime(a.openedAt)),
      a.acknowledged ? h('dt', {}, tk('st', 'acknowledged')) : null,
      a.acknowledged ? h('dd', {}, `${fmtDateTime(a.acknowledged.at)} · ${a.acknowledged.by ?? ''}: ${a.acknowledged.comment ?? ''}`) : null,
      a.resolved ? h('dt', {}, tk('st', 'resolved')) : null,
      a.resolved ? h('dd', {}, `${fmtDateTime(a.resolved.at)} · ${a.resolved.by ?? ''}: ${a.resolved.reason ?? ''}`) : null,
    ),
    actions(a, o),
    h('h3', {}, t('history')),
    h('ol', { class: 'history', data: { testid: 'alert-history' } }, ...res.history.map((e) => historyItem(e, a, o.meta))),
  );
}

function actions(a: AlertJson, o: DetailOptions): HTMLElement | null {
  if (!can(o.user, 'operator') || a.state === 'resolved') return null;
  const box = h('div', { class: 'actions' });
  const act = async (ev: Event, what: 'ack' | 'resolve', body: Record<string, string>) => {
    ev.preventDefault();
    const form = ev.currentTarget as HTMLFormElement;
    try {
      await api('POST', `/api/v1/alerts/${a.id}/${what}`, body);
      await o.changed();
    } catch (err) {
      form.append(h('span', { class: 'error' }, (err as Error).message));
    }
  };
  if (a.state === 'firing' || a.state === 'pending') {
    const comment = h('input', { name: 'comment', placeholder: t('comment'), required: true, data: { testid: 'ack-comment' } });
    box.append(
      h(
        'form',
        { class: 'inline', on: { submit: (ev) => void act(ev, 'ack', { comment: comment.value }) } },
        comment,
        h('button', { type: 'submit', data: { testid: 'ack' } }, t('acknowledge')),
      ),
    );
  }
  const reason = h('input', { name: 'reason', placeholder: t('reason'), required: true, data: { testid: 'resolve-reason' } });
  box.append(
    h(
      'form',
      { class: 'inline', on: { submit: (ev) => void act(ev, 'resolve', { reason: reason.value }) } },
      reason,
      h('button', { type: 'submit', class: 'secondary', data: { testid: 'resolve' } }, t('resolve')),
    ),
  );
  box.append(h('div', {}, h('button', { type: 'button', class: 'secondary', data: { testid: 'detail-silence' }, on: { click: () => o.silence(a) } }, `${t('silence')}…`)));
  return box;
}

function historyItem(e: HistoryEntry, a: AlertJson, meta: AlertsMeta): HTMLElement {
  return h(
    'li',
    {},
    h('time', {}, fmtDateTime(e.at)),
    ' ',
    h('strong', {}, tk('st', e.type)),
    e.severity ? h('span', {}, ' ', severityBadge(e.severity)) : null,
    e.actor ? h('span', { class: 'muted' }, ` · ${e.actor}`) : null,
    e.comment ? h('span', {}, ` · ${e.comment}`) : null,
    e.value !== null ? h('span', {}, ` · ${t('value')} ${meta.value(a, e.value)}`) : null,
    e.evidence && (!Array.isArray(e.evidence) || e.evidence.length > 0) ? h('details', {}, h('summary', {}, t('evidence')), evidenceView(e.evidence)) : null,
  );
}

/** The readings that triggered a transition, as a table when they are samples, else as JSON text. */
function evidenceView(evidence: unknown): HTMLElement {
  const samples = Array.isArray(evidence) ? evidence : (evidence as { samples?: unknown } | null)?.samples;
  if (Array.isArray(samples) && samples.every((s) => typeof s === 'object' && s !== null && 'ts' in s)) {
    return h(
      'table',
      { class: 'evidence' },
      h('thead', {}, h('tr', {}, h('th', {}, t('time')), h('th', {}, t('value')), h('th', {}, t('quality')))),
      h(
        'tbody',
        {},
        ...samples.map((s: { ts: number | string; value?: number | null; quality?: string }) =>
          h('tr', {}, h('td', {}, fmtDateTime(s.ts)), h('td', { class: 'num' }, fmtNum(s.value ?? null, 2)), h('td', {}, s.quality ? tk('q', s.quality) : '')),
        ),
      ),
    );
  }
  return h('pre', { class: 'evidence' }, JSON.stringify(evidence, null, 2));
}
