/**
 * @module dashboard/web/views/station/compare
 * What the charts compare the station with: nothing, the same station one period earlier, or
 * another station of the same profile (same metrics and units, so one axis fits both).
 */
import { api } from '../../api';
import { h } from '../../dom';
import { t } from '../../i18n';

export type CompareChoice = { kind: 'none' } | { kind: 'previous' } | { kind: 'station'; id: string; name: string };

/** The other stations of `profile`, by name. */
export async function compareCandidates(profile: string, self: string): Promise<Array<{ id: string; name: string }>> {
  const res = await api<{ data: Array<{ id: string; name: string }> }>('GET', `/api/v1/stations?profile=${encodeURIComponent(profile)}`);
  const collator = new Intl.Collator('vi');
  return res.data.filter((s) => s.id !== self).sort((a, b) => collator.compare(a.name, b.name));
}

export function createCompareSelect(candidates: ReadonlyArray<{ id: string; name: string }>, onChange: (c: CompareChoice) => void): HTMLElement {
  const select = h(
    'select',
    { name: 'compare', data: { testid: 'compare' }, aria: { label: t('compareWith') } },
    h('option', { value: '' }, t('compareNone')),
    h('option', { value: '@previous' }, t('comparePrevious')),
    ...candidates.map((s) => h('option', { value: s.id }, `${s.name} (${s.id})`)),
  );
  select.addEventListener('change', () => {
    const v = select.value;
    if (v === '') onChange({ kind: 'none' });
    else if (v === '@previous') onChange({ kind: 'previous' });
    else onChange({ kind: 'station', id: v, name: candidates.find((s) => s.id === v)?.name ?? v });
  });
  return h('label', { class: 'compare' }, t('compareWith'), ' ', select);
}
