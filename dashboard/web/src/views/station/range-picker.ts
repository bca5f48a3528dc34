/**
 * @module dashboard/web/views/station/range-picker
 * The range picker above the charts: preset buttons (6 h, 24 h, 7 days, 30 days, 1 year, all
 * ending now) and a custom from/to typed in Vietnam time, applied with a button.
 */
import { h } from '../../dom';
import { t } from '../../i18n';
import { fromLocalInput, PRESETS, presetRange, toLocalInput, type PresetKey, type TimeRange } from './range';

const PRESET_LABEL: Record<PresetKey, () => string> = {
  '6h': () => t('range6h'),
  '24h': () => t('range24h'),
  '7d': () => t('range7d'),
  '30d': () => t('range30d'),
  '1y': () => t('range1y'),
};

export interface RangePicker {
  el: HTMLElement;
  /** Shows `range` as the current one (buttons and inputs). */
  show(range: TimeRange): void;
}

export function createRangePicker(onChange: (range: TimeRange) => void): RangePicker {
  const buttons = PRESETS.map(({ key }) =>
    h('button', { type: 'button', class: 'range-preset', data: { range: key }, on: { click: () => onChange(presetRange(key, Date.now())) } }, PRESET_LABEL[key]()),
  );
  const from = h('input', { type: 'datetime-local', name: 'from', aria: { label: t('from') }, data: { testid: 'range-from' } });
  const to = h('input', { type: 'datetime-local', name: 'to', aria: { label: t('until') }, data: { testid: 'range-to' } });
  const note = h('span', { class: 'error', role: 'status' });
  const apply = () => {
    const a = fromLocalInput(from.value);
    const b = fromLocalInput(to.value);
    if (a === undefined || b === undefined || a >= b) {
      note.textContent = t('rangeInvalid');
      return;
    }
    note.textContent = '';
    onChange({ from: a, to: Math.min(b, Date.now()), preset: null });
  };
  const el = h(
    'div',
    { class: 'range-picker', data: { testid: 'range-picker' } },
    h('div', { class: 'range-presets', role: 'group', aria: { label: t('timeRange') } }, ...buttons),
    h(
      'form',
      {
        class: 'range-custom',
        on: {
          submit: (ev) => {
            ev.preventDefault();
            apply();
          },
        },
      },
      h('label', {}, t('from'), ' ', from),
      h('label', {}, t('until'), ' ', to),
      h('span', { class: 'muted' }, t('vnTime')),
      h('button', { type: 'submit', data: { testid: 'range-apply' } }, t('apply')),
      note,
    ),
  );
  return {
    el,
    show(range) {
      for (const b of buttons) b.classList.toggle('active', b.dataset['range'] === range.preset);
      from.value = toLocalInput(range.from);
      to.value = toLocalInput(range.to);
      note.textContent = '';
    },
  };
}
