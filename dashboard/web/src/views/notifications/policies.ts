/**
 * Routing policies, in matching order: each row says what it matches, where it sends, how it
 * groups, its mute timings and escalation chain; move up/down, edit, delete, add.
 */
import { api } from '../../api';
import { h, replace } from '../../dom';
import { tk } from '../../i18n';
import { BASE, checks, csv, field, nameOf, type Model, type Policy } from './model';
import { nt, ntk } from './text';

function matcherText(p: Policy): string {
  const m = p.matchers;
  const parts = [
    m.severities?.length ? m.severities.map((s) => tk('sev', s)).join('/') : '',
    m.provinces?.length ? m.provinces.join(', ') : '',
    m.profiles?.length ? m.profiles.join(', ') : '',
    m.packs?.length ? m.packs.join(', ') : '',
    m.stations?.length ? m.stations.join(', ') : '',
    m.kinds?.length ? m.kinds.map((k) => ntk('kind', k)).join('/') : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : nt('any');
}

export function policiesPanel(model: Model, reload: () => Promise<void>): HTMLElement {
  const formBox = h('div');
  const body = h('tbody');
  model.policies.forEach((p, i) => {
    const btn = (label: string, fn: () => void, disabled = false) => h('button', { type: 'button', class: 'ghost', disabled, on: { click: fn } }, label);
    const move = (direction: 'up' | 'down') => () => void api('POST', `${BASE}/policies/${p.id}/move`, { direction }).then(reload);
    body.append(
      h(
        'tr',
        { data: { id: String(p.id) }, class: p.enabled ? '' : 'muted' },
        h('td', {}, String(i + 1)),
        h('td', {}, h('strong', {}, p.name), p.continueMatching ? h('div', { class: 'muted' }, `↓ ${nt('continue')}`) : null),
        h('td', {}, matcherText(p)),
        h('td', {}, p.contactPointIds.map((id) => nameOf(model.contactPoints, id)).join(', ') || nt('none')),
        h(
          'td',
          {},
          p.groupBy === 'none' ? ntk('group', 'none') : `${ntk('group', p.groupBy)}, ${p.groupWaitSeconds}\u00a0s`,
          p.repeatIntervalMinutes ? h('div', { class: 'muted' }, `⟳ ${p.repeatIntervalMinutes}\u00a0min`) : null,
        ),
        h(
          'td',
          {},
          p.muteTimingIds.map((id) => nameOf(model.mutes, id)).join(', ') || nt('none'),
          p.muteTimingIds.length && p.criticalPassesMute ? h('div', { class: 'muted' }, nt('criticalPassShort')) : null,
        ),
        h('td', {}, nameOf(model.chains, p.escalationChainId)),
        h(
          'td',
          { class: 'nt-actions' },
          btn(`↑ ${nt('up')}`, move('up'), i === 0),
          btn(`↓ ${nt('down')}`, move('down'), i === model.policies.length - 1),
          btn(nt('edit'), () => replace(formBox, form(p))),
          btn(nt('delete'), () => {
            if (confirm(nt('confirmDelete'))) void api('DELETE', `${BASE}/policies/${p.id}`).then(reload);
          }),
        ),
      ),
    );
  });
  const add = h('button', { type: 'button', data: { testid: 'nt-add-policy' } }, nt('add'));
  add.addEventListener('click', () => replace(formBox, form(undefined)));

  function form(p: Policy | undefined): HTMLElement {
    const m = p?.matchers ?? {};
    const name = h('input', { name: 'name', value: p?.name ?? '', required: true });
    const severities = checks(
      'severities',
      ['info', 'warning', 'critical'].map((s) => ({ value: s, label: tk('sev', s) })),
      m.severities ?? [],
    );
    const kinds = checks(
      'kinds',
      ['observed', 'forecast'].map((k) => ({ value: k, label: ntk('kind', k) })),
      m.kinds ?? [],
    );
    const text = (n: string, list?: string[]) => h('input', { name: n, value: (list ?? []).join(', ') });
    const provinces = text('provinces', m.provinces);
    const profiles = text('profiles', m.profiles);
    const packs = text('packs', m.packs);
    const stations = text('stations', m.stations);
    const targets = checks(
      'contactPoints',
      model.contactPoints.map((c) => ({ value: c.id, label: c.name })),
      p?.contactPointIds ?? [],
    );
    const mutes = checks(
      'muteTimings',
      model.mutes.map((x) => ({ value: x.id, label: x.name })),
      p?.muteTimingIds ?? [],
    );
    const groupBy = h('select', { name: 'groupBy' }, ...['none', 'station', 'province'].map((g) => h('option', { value: g }, ntk('group', g))));
    groupBy.value = p?.groupBy ?? 'none';
    const wait = h('input', { name: 'groupWaitSeconds', type: 'number', min: '0', value: String(p?.groupWaitSeconds ?? 30) });
    const repeat = h('input', { name: 'repeatIntervalMinutes', type: 'number', min: '0', value: String(p?.repeatIntervalMinutes ?? 0) });
    const cont = h('input', { type: 'checkbox', name: 'continue', checked: p?.continueMatching ?? false });
    const resolved = h('input', { type: 'checkbox', name: 'sendResolved', checked: p?.sendResolved ?? true });
    const passes = h('input', { type: 'checkbox', name: 'criticalPasses', checked: p?.criticalPassesMute ?? true });
    const chain = h('select', { name: 'chain' }, h('option', { value: '' }, nt('none')), ...model.chains.map((c) => h('option', { value: String(c.id) }, c.name)));
    chain.value = p?.escalationChainId ? String(p.escalationChainId) : '';
    const error = h('p', { class: 'error', role: 'alert' });
    const f = h(
      'form',
      { class: 'nt-form', data: { testid: 'nt-policy-form' } },
      h('div', { class: 'nt-grid' }, field(nt('name'), name), field(nt('severities'), severities.el), field(nt('kinds'), kinds.el), field(nt('provinces'), provinces)),
      h('div', { class: 'nt-grid' }, field(nt('profiles'), profiles), field(nt('packs'), packs), field(nt('stations'), stations)),
      field(nt('targets'), targets.el),
      h('div', { class: 'nt-grid' }, field(nt('groupBy'), groupBy), field(nt('groupWait'), wait), field(nt('repeat'), repeat), field(nt('chain'), chain)),
      field(nt('muteTimings'), mutes.el),
      h(
        'div',
        { class: 'nt-checks' },
        h('label', { class: 'check' }, passes, nt('criticalPasses')),
        h('label', { class: 'check' }, resolved, nt('sendResolved')),
        h('label', { class: 'check' }, cont, nt('continue')),
      ),
      h(
        'div',
        {},
        h('button', { type: 'submit', data: { testid: 'nt-save-policy' } }, nt('save')),
        ' ',
        h('button', { type: 'button', class: 'ghost', on: { click: () => replace(formBox) } }, nt('cancel')),
      ),
      error,
    );
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const matchers: Record<string, string[]> = {};
      const put = (k: string, v: string[]) => v.length && (matchers[k] = v);
      put('severities', severities.read());
      put('kinds', kinds.read());
      put('provinces', csv(provinces.value));
      put('profiles', csv(profiles.value));
      put('packs', csv(packs.value));
      put('stations', csv(stations.value));
      const payload = {
        name: name.value,
        enabled: p?.enabled ?? true,
        matchers,
        contactPointIds: targets.read(),
        continueMatching: cont.checked,
        groupBy: groupBy.value,
        groupWaitSeconds: Number(wait.value),
        repeatIntervalMinutes: Number(repeat.value),
        sendResolved: resolved.checked,
        muteTimingIds: mutes.read(),
        criticalPassesMute: passes.checked,
        escalationChainId: chain.value ? Number(chain.value) : null,
      };
      void api(p ? 'PUT' : 'POST', p ? `${BASE}/policies/${p.id}` : `${BASE}/policies`, payload).then(reload, (err: Error) => (error.textContent = err.message));
    });
    return f;
  }

  return h(
    'section',
    { class: 'panel', data: { testid: 'nt-policies' } },
    h('div', { class: 'nt-head' }, h('h3', {}, nt('policies')), add),
    formBox,
    model.policies.length === 0
      ? h('p', { class: 'muted' }, nt('empty'))
      : h(
          'table',
          { class: 'nt-table' },
          h('thead', {}, h('tr', {}, ...[nt('order'), nt('name'), nt('matchers'), nt('targets'), nt('grouping'), nt('muteTimings'), nt('chain'), ''].map((x) => h('th', {}, x)))),
          body,
        ),
  );
}
