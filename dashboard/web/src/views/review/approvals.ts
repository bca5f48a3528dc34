/**
 * @module dashboard/web/views/review/approvals
 * Approvals of the shown days and their months: the current validation level of each day (0 raw,
 * 1 reviewed, 2 approved by a second person) with who approved and what was revoked, and for
 * reviewers the buttons "Reviewed (level 1)" and "Approve (level 2)" for a chosen day or the
 * whole month (POST /api/v1/stations/{id}/validation/approvals). A refusal (the same person for
 * both levels, level 2 before level 1, a period not over) is shown with its code and in words.
 */
import { api } from '../../api';
import { h, replace } from '../../dom';
import { t } from '../../i18n';
import { errorText, levelBadge, levelLabel } from './labels';
import { fmtDayShort, fmtLocal } from './time';
import type { ApprovalJson, DayLevel } from './types';

export interface ApprovalsPanel {
  el: HTMLElement;
  show(days: readonly string[], levels: readonly DayLevel[], approvals: readonly ApprovalJson[]): void;
}

const monthName = (m: string) => `${m.slice(5, 7)}/${m.slice(0, 4)}`;

export function createApprovalsPanel(o: { stationId: string; zone: string; canAct: boolean; onDone(): void }): ApprovalsPanel {
  const table = h('tbody', { data: { testid: 'day-levels' } });
  const months = h('div', { class: 'month-levels', data: { testid: 'month-levels' } });
  const period = h('select', { name: 'period', data: { testid: 'approval-period' } });
  const comment = h('input', { name: 'comment', placeholder: t('comment'), data: { testid: 'approval-comment' } });
  const result = h('p', { class: 'muted', role: 'status', data: { testid: 'approval-result' } });
  const button = (level: 1 | 2) =>
    h(
      'button',
      { type: 'button', class: level === 1 ? 'secondary' : '', data: { testid: `approve-${level}` }, on: { click: () => void approve(level) } },
      t(level === 1 ? 'approveReviewed' : 'approveApproved'),
    );
  const form = o.canAct
    ? h(
        'form',
        { class: 'review-form', on: { submit: (ev) => ev.preventDefault() } },
        h('label', {}, t('period'), period),
        h('label', { class: 'grow' }, t('comment'), comment),
        h('div', { class: 'review-buttons' }, button(1), button(2)),
      )
    : null;
  const el = h(
    'section',
    { class: 'panel', data: { testid: 'approvals' } },
    h('h2', {}, t('approvals')),
    months,
    h('table', { class: 'day-levels' }, h('thead', {}, h('tr', {}, h('th', {}, t('periodDay')), h('th', {}, t('currentLevel')), h('th', {}, t('approvals')))), table),
    form,
    result,
  );

  async function approve(level: 1 | 2): Promise<void> {
    if (!period.value) return;
    result.className = 'muted';
    result.textContent = t('loading');
    const body: Record<string, unknown> = { period: period.value, level };
    if (comment.value.trim()) body['comment'] = comment.value.trim();
    try {
      const res = await api<{ approval: ApprovalJson }>('POST', `/api/v1/stations/${encodeURIComponent(o.stationId)}/validation/approvals`, body);
      result.className = 'ok';
      result.textContent = `${res.approval.period}: ${levelLabel(res.approval.level)} · ${res.approval.username}`;
      comment.value = '';
      o.onDone();
    } catch (err) {
      result.className = 'error refusal';
      result.textContent = errorText(err);
    }
  }

  function approvalLine(a: ApprovalJson): HTMLElement {
    return h(
      'li',
      { class: a.revokedAt ? 'revoked' : '', data: { level: String(a.level) } },
      `${levelLabel(a.level)} · ${a.username} · ${fmtLocal(a.at, o.zone)}`,
      a.comment ? ` · ${a.comment}` : '',
      a.revokedAt ? h('span', { class: 'muted' }, ` (${t('revoked')} ${fmtLocal(a.revokedAt, o.zone)}${a.revokedReason ? `: ${a.revokedReason}` : ''})`) : null,
    );
  }

  return {
    el,
    show(days, levels, approvals) {
      const levelOf = new Map(levels.map((l) => [l.day, l.level]));
      replace(
        table,
        ...days.map((d) => {
          const level = levelOf.get(d) ?? 0;
          const own = approvals.filter((a) => a.kind === 'day' && a.period === d);
          return h(
            'tr',
            { data: { day: d, level: String(level) } },
            h('td', {}, fmtDayShort(d)),
            h('td', {}, levelBadge(level), ' ', levelLabel(level)),
            h('td', {}, own.length ? h('ul', { class: 'approval-list' }, ...own.map(approvalLine)) : '–'),
          );
        }),
      );
      const monthList = [...new Set(days.map((d) => d.slice(0, 7)))];
      replace(
        months,
        ...monthList.map((m) => {
          const own = approvals.filter((a) => a.kind === 'month' && a.period === m);
          const level = Math.max(0, ...own.filter((a) => !a.revokedAt).map((a) => a.level));
          return h(
            'div',
            { data: { month: m, level: String(level) } },
            h('b', {}, `${t('month')} ${monthName(m)}: `),
            levelBadge(level),
            ' ',
            levelLabel(level),
            own.length ? h('ul', { class: 'approval-list' }, ...own.map(approvalLine)) : null,
          );
        }),
      );
      const chosen = period.value;
      replace(
        period,
        ...days.map((d) => h('option', { value: d }, `${t('periodDay')} ${fmtDayShort(d)}`)),
        ...monthList.map((m) => h('option', { value: m }, `${t('periodMonth')} ${monthName(m)}`)),
      );
      if ([...period.options].some((x) => x.value === chosen)) period.value = chosen;
    },
  };
}
