/**
 * @module dashboard/web/views/review/labels
 * The words of validation in the page's language: a mark's state, a check, a reason, a level,
 * and an API error shown as "code: message" (the page's own translation of the code when it has
 * one, the server's message otherwise), so a refusal is always named.
 */
import { ApiError } from '../../api';
import { h } from '../../dom';
import { t, tk } from '../../i18n';
import { markIcon, type Mark } from './marks';

export const markLabel = (m: Mark) => tk('vs', m.key);
export const checkLabel = (code: string) => tk('chk', code);
export const reasonLabel = (reason: string) => tk('rsn', reason);
export const levelLabel = (level: number) => tk('lvl', String(level));

/** An error as the page shows it: the code and the (translated) message. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    const own = tk('err', err.code);
    return `${err.code}: ${own === err.code ? err.message : own}`;
  }
  return `${t('error')}: ${(err as Error).message}`;
}

/** A mark's icon and its name, for the legend and tooltips. */
export function markChip(m: Mark, text = markLabel(m)): HTMLElement {
  return h('span', { class: 'mark-chip', data: { mark: m.key } }, markIcon(m), text);
}

/** A validation level as a badge: its number and its words. */
export function levelBadge(level: number): HTMLElement {
  return h('span', { class: `level-badge level-${level}`, data: { level: String(level) }, title: levelLabel(level) }, level === 0 ? '0' : `${level}`);
}
