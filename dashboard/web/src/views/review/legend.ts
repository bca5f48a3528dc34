/**
 * @module dashboard/web/views/review/legend
 * The review charts' legend in words: each state's shape and colour with its name (and how many
 * readings of the shown range are in it), the hatching of scheduled windows, and what the
 * validation levels mean.
 */
import { h } from '../../dom';
import { t } from '../../i18n';
import { levelBadge, levelLabel, markChip, markLabel } from './labels';
import { MARKS } from './marks';

export function legend(counts: ReadonlyMap<string, number>): HTMLElement {
  return h(
    'div',
    { class: 'review-legend', data: { testid: 'review-legend' } },
    h('b', {}, `${t('legend')}:`),
    ...MARKS.map((m) => {
      const n = counts.get(m.key);
      return markChip(m, n === undefined ? markLabel(m) : `${markLabel(m)} (${n})`);
    }),
    h('span', { class: 'mark-chip' }, h('span', { class: 'hatch-swatch', aria: { hidden: 'true' } }), t('windowsHatched')),
    h('span', { class: 'levels-key' }, ...[0, 1, 2].map((l) => h('span', { class: 'mark-chip' }, levelBadge(l), levelLabel(l)))),
  );
}
