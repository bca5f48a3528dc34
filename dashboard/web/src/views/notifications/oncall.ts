/**
 * Mute timings, on-call schedules (who is on call now) and escalation chains: lists with small
 * add/delete forms (one interval per mute timing form; up to three levels per chain form).
 */
import { api } from '../../api';
import { h, replace } from '../../dom';
import { fmtDateTime } from '../../i18n';
import { BASE, checks, field, nameOf, type Model } from './model';
import { nt } from './text';

function list(testid: string, title: string, rows: HTMLElement[], form: () => HTMLElement): HTMLElement {
  const box = h('div');
  const add = h('button', { type: 'button' }, nt('add'));
  add.addEventListener('click', () => replace(box, form()));
  return h(
    'section',
    { class: 'panel', data: { testid } },
    h('div', { class: 'nt-head' }, h('h3', {}, title), add),
    box,
    rows.length ? h('ul', { class: 'nt-list' }, ...rows) : h('p', { class: 'muted' }, nt('empty')),
  );
}

function remover(path: string, reload: () => Promise<void>): HTMLElement {
  return h('button', { type: 'button', class: 'ghost', on: { click: () => confirm(nt('confirmDelete')) && void api('DELETE', path).then(reload) } }, nt('delete'));
}

function submitter(f: HTMLFormElement, error: HTMLElement, path: string, payload: () => unknown, reload: () => Promise<void>): HTMLFormElement {
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void api('POST', path, payload()).then(reload, (err: Error) => (error.textContent = err.message));
  });
  return f;
}

export function mutePanel(model: Model, reload: () => Promise<void>): HTMLElement {
  const rows = model.mutes.map((m) =>
    h(
      'li',
      {},
      h('strong', {}, m.name),
      ' — ',
      m.intervals.map((iv) => `${iv.weekdays.length ? iv.weekdays.join(',') : '1–7'} ${iv.start}–${iv.end}`).join('; '),
      ` (${m.timeZone}) `,
      remover(`${BASE}/mute-timings/${m.id}`, reload),
    ),
  );
  return list('nt-mute', nt('mute'), rows, () => {
    const name = h('input', { name: 'name', required: true });
    const days = h('input', { name: 'weekdays', placeholder: '1,2,3,4,5' });
    const start = h('input', { name: 'start', type: 'time', value: '22:00' });
    const end = h('input', { name: 'end', type: 'time', value: '06:00' });
    const error = h('p', { class: 'error' });
    const f = h(
      'form',
      { class: 'nt-form' },
      h('div', { class: 'nt-grid' }, field(nt('name'), name), field(nt('weekdays'), days), field(nt('from'), start), field(nt('to'), end)),
      h('button', { type: 'submit' }, nt('save')),
      error,
    );
    return submitter(
      f,
      error,
      `${BASE}/mute-timings`,
      () => ({
        name: name.value,
        intervals: [
          {
            weekdays: days.value
              .split(',')
              .map((d) => Number(d.trim()))
              .filter((d) => d > 0),
            start: start.value,
            end: end.value,
          },
        ],
      }),
      reload,
    );
  });
}

export function schedulesPanel(model: Model, reload: () => Promise<void>): HTMLElement {
  const rows = model.schedules.map((s) =>
    h(
      'li',
      {},
      h('strong', {}, s.name),
      ` — ${s.rotation.members.map((id) => nameOf(model.contactPoints, id)).join(' → ')}, ${s.rotation.shiftHours} h · `,
      h('span', { class: 'ok' }, `${nt('onCallNow')}: ${nameOf(model.contactPoints, s.onCallNow)}`),
      s.overrides.length
        ? h(
            'div',
            { class: 'muted' },
            `${nt('overrides')}: ${s.overrides.map((o) => `${fmtDateTime(o.startsAt)}–${fmtDateTime(o.endsAt)} ${nameOf(model.contactPoints, o.contactPointId)}${o.note ? ` (${o.note})` : ''}`).join('; ')}`,
          )
        : null,
      ' ',
      remover(`${BASE}/schedules/${s.id}`, reload),
    ),
  );
  return list('nt-schedules', nt('schedules'), rows, () => {
    const name = h('input', { name: 'name', required: true });
    const start = h('input', { name: 'startsAt', type: 'datetime-local', required: true });
    const hours = h('input', { name: 'shiftHours', type: 'number', min: '1', value: '12' });
    const members = checks(
      'members',
      model.contactPoints.map((c) => ({ value: c.id, label: c.name })),
      [],
    );
    const error = h('p', { class: 'error' });
    const f = h(
      'form',
      { class: 'nt-form' },
      h('div', { class: 'nt-grid' }, field(nt('name'), name), field(nt('rotationStart'), start), field(nt('shiftHours'), hours)),
      field(nt('members'), members.el),
      h('button', { type: 'submit' }, nt('save')),
      error,
    );
    return submitter(
      f,
      error,
      `${BASE}/schedules`,
      () => ({ name: name.value, rotation: { startsAt: `${start.value}:00+07:00`, shiftHours: Number(hours.value), members: members.read() } }),
      reload,
    );
  });
}

export function chainsPanel(model: Model, reload: () => Promise<void>): HTMLElement {
  const who = (l: Model['chains'][number]['levels'][number]) =>
    [...l.contactPointIds.map((id) => nameOf(model.contactPoints, id)), ...l.scheduleIds.map((id) => `📅 ${nameOf(model.schedules, id)}`)].join(', ');
  const rows = model.chains.map((c) =>
    h(
      'li',
      {},
      h('strong', {}, c.name),
      ' — ',
      c.levels.map((l, i) => `${nt('level')} ${i + 1} (+${l.afterMinutes} min): ${who(l)}`).join(' → '),
      ' ',
      remover(`${BASE}/escalation-chains/${c.id}`, reload),
    ),
  );
  return list('nt-chains', nt('chains'), rows, () => {
    const name = h('input', { name: 'name', required: true });
    const levels = [0, 15, 30].map((after, i) => ({
      after: h('input', { name: `after${i}`, type: 'number', min: '0', value: String(after) }),
      cps: checks(
        `cp${i}`,
        model.contactPoints.map((c) => ({ value: c.id, label: c.name })),
        [],
      ),
      scheds: checks(
        `sc${i}`,
        model.schedules.map((s) => ({ value: s.id, label: `📅 ${s.name}` })),
        [],
      ),
    }));
    const error = h('p', { class: 'error' });
    const f = h(
      'form',
      { class: 'nt-form' },
      field(nt('name'), name),
      ...levels.map((l, i) =>
        h('div', { class: 'nt-grid' }, field(`${nt('level')} ${i + 1}: ${nt('afterMinutes')}`, l.after), field(nt('targets'), h('span', {}, l.cps.el, l.scheds.el))),
      ),
      h('button', { type: 'submit' }, nt('save')),
      error,
    );
    return submitter(
      f,
      error,
      `${BASE}/escalation-chains`,
      () => ({
        name: name.value,
        levels: levels
          .map((l) => ({ afterMinutes: Number(l.after.value), contactPointIds: l.cps.read(), scheduleIds: l.scheds.read() }))
          .filter((l) => l.contactPointIds.length + l.scheduleIds.length > 0),
      }),
      reload,
    );
  });
}
