/**
 * @module dashboard/web/views/station/manage
 * Admins: the station's name, province and service state, saved with PATCH /api/v1/stations/{id}.
 */
import { api } from '../../api';
import { h, replace } from '../../dom';
import { t } from '../../i18n';
import type { StationJson } from './types';

export function renderManage(el: HTMLElement, station: StationJson): void {
  const name = h('input', { name: 'name', value: station.name, required: true });
  const province = h('input', { name: 'province', value: station.province ?? '' });
  const enabled = h('input', { name: 'enabled', type: 'checkbox', checked: station.enabled });
  const note = h('span', { class: 'muted' });
  const submit = (ev: SubmitEvent) => {
    ev.preventDefault();
    api('PATCH', `/api/v1/stations/${encodeURIComponent(station.id)}`, { name: name.value, province: province.value || null, enabled: enabled.checked }).then(
      () => void (note.textContent = t('saved')),
      (err: unknown) => void (note.textContent = `${t('error')}: ${(err as Error).message}`),
    );
  };
  replace(
    el,
    h('h2', {}, t('manage')),
    h(
      'form',
      { class: 'stack', on: { submit } },
      h('label', {}, t('name'), name),
      h('label', {}, t('province'), province),
      h('label', { class: 'check' }, enabled, t('enabled')),
      h('button', { type: 'submit' }, t('save')),
      note,
    ),
  );
}
