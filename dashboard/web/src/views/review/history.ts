/**
 * @module dashboard/web/views/review/history
 * The station's validation history (GET /api/v1/stations/{id}/validation, newest first): each
 * action with who, when, what (metrics and range in the station's time), why (reason, comment)
 * and the counts per state before → after; an Undo button for reviewers on an action not yet
 * undone (POST …/actions/{id}/undo: another audited action, nothing is deleted).
 */
import { api } from '../../api';
import { h, replace } from '../../dom';
import { t, tk } from '../../i18n';
import { errorText, reasonLabel } from './labels';
import { fmtLocal } from './time';
import type { ActionJson, StateCounts } from './types';

const COUNT_KEYS = ['valid', 'flagged', 'invalidated', 'restored', 'stationFlag'] as const;

function counts(x: unknown): StateCounts | undefined {
  return x && typeof x === 'object' && COUNT_KEYS.some((k) => typeof (x as Record<string, unknown>)[k] === 'number') ? (x as StateCounts) : undefined;
}

/** "pm25: valid 288 → 240, invalidated 0 → 48" for each metric whose counts are given. */
export function countChanges(a: ActionJson): string[] {
  const out: string[] = [];
  for (const m of a.metrics) {
    const before = counts(a.before[m]);
    const after = counts(a.after[m]);
    if (!before && !after) continue;
    const parts = COUNT_KEYS.filter((k) => (before?.[k] ?? 0) !== 0 || (after?.[k] ?? 0) !== 0).map((k) => `${tk('cnt', k)} ${before?.[k] ?? 0} → ${after?.[k] ?? 0}`);
    out.push(`${m}: ${parts.join(', ') || '–'}`);
  }
  return out;
}

export interface HistoryList {
  el: HTMLElement;
  show(actions: readonly ActionJson[]): void;
}

export function createHistoryList(o: { stationId: string; zone: string; canAct: boolean; onDone(): void }): HistoryList {
  const list = h('ol', { class: 'review-history', data: { testid: 'review-history' } });
  const status = h('p', { class: 'muted', role: 'status', data: { testid: 'history-status' } });
  const el = h('section', { class: 'panel' }, h('h2', {}, t('actionsHistory')), status, list);

  async function undo(a: ActionJson, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    status.className = 'muted';
    status.textContent = t('loading');
    try {
      const res = await api<{ action: ActionJson }>('POST', `/api/v1/stations/${encodeURIComponent(o.stationId)}/validation/actions/${a.id}/undo`, {});
      status.textContent = `#${res.action.id} ${t('act_undo')} · ${t('rowsAffected')}: ${res.action.rowsAffected}`;
      o.onDone();
    } catch (err) {
      button.disabled = false;
      status.className = 'error';
      status.textContent = errorText(err);
    }
  }

  function item(a: ActionJson): HTMLElement {
    const undoable = o.canAct && a.action !== 'undo' && a.undoneBy === null;
    const button = undoable ? h('button', { type: 'button', class: 'secondary', data: { testid: 'undo' } }) : null;
    if (button) {
      button.textContent = t('undo');
      button.addEventListener('click', () => void undo(a, button));
    }
    return h(
      'li',
      { class: `act-${a.action}${a.undoneBy !== null ? ' undone' : ''}`, data: { id: String(a.id), action: a.action } },
      h(
        'div',
        { class: 'act-head' },
        h('b', {}, `#${a.id} ${tk('act', a.action)}`),
        a.undoes !== null ? h('span', { class: 'muted' }, `(${t('undoes')} #${a.undoes})`) : null,
        a.undoneBy !== null ? h('span', { class: 'badge undone-badge' }, `${t('undoneBy')} #${a.undoneBy}`) : null,
        h('span', { class: 'spacer' }),
        button,
      ),
      h('div', {}, `${a.metrics.join(', ')} · ${fmtLocal(a.from, o.zone)} → ${fmtLocal(a.to, o.zone)}`),
      a.reason ? h('div', {}, `${t('reason')}: ${reasonLabel(a.reason)}`) : null,
      a.comment ? h('div', { class: 'act-comment' }, `${t('comment')}: ${a.comment}`) : null,
      h('div', { class: 'muted' }, `${a.username} · ${fmtLocal(a.at, o.zone, true)} · ${t('rowsAffected')}: ${a.rowsAffected}`),
      ...countChanges(a).map((line) => h('div', { class: 'act-counts', data: { testid: 'act-counts' } }, `${t('beforeAfter')}: ${line}`)),
    );
  }

  return {
    el,
    show(actions) {
      if (actions.length === 0) replace(list, h('li', { class: 'muted' }, t('noActions')));
      else replace(list, ...actions.map(item));
    },
  };
}
