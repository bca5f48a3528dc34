/**
 * @module dashboard/web/views/review/action-form
 * The reviewer's action form: from/to (filled by a drag on a chart, editable by hand in the
 * station's local time), the metrics it applies to (a drag checks the dragged chart's metric), a
 * reason from the fixed list (INVALIDATION_REASONS, translated), a comment, and the Invalidate and
 * Restore buttons → POST /api/v1/stations/{id}/validation/actions. A refusal shows the server's
 * code and message.
 */
import { INVALIDATION_REASONS } from '../../../../../domain/validation/codes';
import { api } from '../../api';
import { h, replace } from '../../dom';
import { t } from '../../i18n';
import { errorText, reasonLabel } from './labels';
import { ceilMinute, floorMinute, fromInput, toInput } from './time';
import type { ActionJson } from './types';

export interface ActionForm {
  el: HTMLElement;
  /** A range dragged on `metric`'s chart: fills from/to and checks that metric alone. */
  select(from: number, to: number, metric: string): void;
  /** The range typed or dragged, and the metrics it applies to (the charts that show it). */
  range(): { from: number | undefined; to: number | undefined; metrics: string[] };
}

export interface ActionFormOptions {
  stationId: string;
  zone: string;
  metrics: ReadonlyArray<{ metric: string; label: string }>;
  /** The range was typed by hand (redraw the charts' selection). */
  onRange(): void;
  /** An action was recorded (reload the charts and the history). */
  onDone(action: ActionJson): void;
}

export function createActionForm(o: ActionFormOptions): ActionForm {
  const from = h('input', { type: 'datetime-local', name: 'from', required: true, data: { testid: 'action-from' }, aria: { label: t('from') } });
  const to = h('input', { type: 'datetime-local', name: 'to', required: true, data: { testid: 'action-to' }, aria: { label: t('until') } });
  const boxes = new Map(o.metrics.map(({ metric }) => [metric, h('input', { type: 'checkbox', name: 'metric', value: metric, data: { testid: `action-metric-${metric}` } })]));
  const reason = h(
    'select',
    { name: 'reason', data: { testid: 'action-reason' } },
    h('option', { value: '' }, t('chooseReason')),
    ...INVALIDATION_REASONS.map((r) => h('option', { value: r }, reasonLabel(r))),
  );
  const comment = h('input', { name: 'comment', placeholder: t('comment'), data: { testid: 'action-comment' } });
  const result = h('p', { class: 'muted', role: 'status', data: { testid: 'action-result' } });
  const button = (kind: 'invalidate' | 'restore') =>
    h('button', { type: 'button', class: kind === 'restore' ? 'secondary' : 'danger', data: { testid: `action-${kind}` }, on: { click: () => void submit(kind) } }, t(kind));
  for (const input of [from, to, ...boxes.values()]) input.addEventListener('change', () => o.onRange());

  const el = h(
    'section',
    { class: 'panel review-action', data: { testid: 'action-form' } },
    h('h2', {}, t('actionTitle')),
    h('p', { class: 'muted' }, t('dragHint')),
    h(
      'form',
      { class: 'review-form', on: { submit: (ev) => ev.preventDefault() } },
      h('label', {}, t('from'), from),
      h('label', {}, t('until'), to),
      h(
        'fieldset',
        { class: 'metric-boxes' },
        h('legend', {}, t('actionMetrics')),
        ...o.metrics.map(({ metric, label }) => h('label', { class: 'check' }, boxes.get(metric)!, label)),
      ),
      h('label', {}, t('reason'), reason),
      h('label', { class: 'grow' }, t('comment'), comment),
      h('div', { class: 'review-buttons' }, button('invalidate'), button('restore')),
    ),
    result,
  );

  function fail(text: string): void {
    result.className = 'error';
    result.textContent = text;
  }

  async function submit(kind: 'invalidate' | 'restore'): Promise<void> {
    const a = fromInput(from.value, o.zone);
    const b = fromInput(to.value, o.zone);
    const metrics = [...boxes].filter(([, box]) => box.checked).map(([m]) => m);
    if (a === undefined || b === undefined || a >= b) return fail(t('rangeInvalid'));
    if (metrics.length === 0) return fail(t('chooseMetric'));
    if (kind === 'invalidate' && !reason.value) return fail(t('reasonRequired'));
    const body: Record<string, unknown> = { action: kind, metrics, from: new Date(a).toISOString(), to: new Date(b).toISOString() };
    if (kind === 'invalidate') body['reason'] = reason.value;
    if (comment.value.trim()) body['comment'] = comment.value.trim();
    result.className = 'muted';
    result.textContent = t('loading');
    try {
      const res = await api<{ action: ActionJson }>('POST', `/api/v1/stations/${encodeURIComponent(o.stationId)}/validation/actions`, body);
      replace(result, `#${res.action.id} ${t(`act_${kind}`)} · ${t('rowsAffected')}: ${res.action.rowsAffected}`);
      result.className = 'ok';
      result.dataset['action'] = String(res.action.id);
      comment.value = '';
      o.onDone(res.action);
    } catch (err) {
      fail(errorText(err));
    }
  }

  return {
    el,
    select(a, b, metric) {
      from.value = toInput(floorMinute(a), o.zone);
      to.value = toInput(ceilMinute(b), o.zone);
      for (const [m, box] of boxes) box.checked = m === metric;
      result.textContent = '';
    },
    range() {
      return { from: fromInput(from.value, o.zone), to: fromInput(to.value, o.zone), metrics: [...boxes].filter(([, box]) => box.checked).map(([m]) => m) };
    },
  };
}
