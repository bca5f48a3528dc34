/**
 * Contact points: the list (kind, recipient, which secrets are set, health), a form with the
 * fields of each kind (secrets are write-only: an empty field keeps the stored value), and
 * "Gửi thử" / "Send test", which shows what the server answered.
 */
import { api } from '../../api';
import { h, replace } from '../../dom';
import { BASE, field, type ContactPoint, type Model } from './model';
import { nt, ntk } from './text';

const KIND_FIELDS: Record<ContactPoint['kind'], string[]> = {
  email: ['host', 'port', 'user', 'from', 'to'],
  sms: ['url', 'method', 'to', 'contentType', 'bodyTemplate'],
  chat: ['url', 'bodyTemplate', 'recipientLabel'],
  webhook: ['url'],
};

function recipient(c: ContactPoint): string {
  return String(c.settings['to'] ?? c.settings['recipientLabel'] ?? c.settings['url'] ?? '');
}

export function contactPointsPanel(model: Model, reload: () => Promise<void>): HTMLElement {
  const formBox = h('div');
  const body = h('tbody');
  for (const c of model.contactPoints) {
    const result = h('span', { class: 'muted', data: { testid: 'nt-test-result' } });
    const test = h('button', { type: 'button', class: 'secondary', data: { testid: 'nt-test' } }, nt('sendTest'));
    test.addEventListener('click', () => {
      result.textContent = '…';
      void api<{ status: string; error: string | null; recipient: string }>('POST', `${BASE}/contact-points/${c.id}/test`).then(
        (r) => {
          result.textContent = r.status === 'sent' ? `${nt('testOk')} (${r.recipient})` : `${nt('testFailed')}: ${r.error ?? r.status}`;
          result.className = r.status === 'sent' ? 'ok' : 'error';
        },
        (err: Error) => {
          result.textContent = `${nt('testFailed')}: ${err.message}`;
          result.className = 'error';
        },
      );
    });
    const edit = h('button', { type: 'button', class: 'ghost' }, nt('edit'));
    edit.addEventListener('click', () => replace(formBox, form(c)));
    const del = h('button', { type: 'button', class: 'ghost' }, nt('delete'));
    del.addEventListener('click', () => {
      if (confirm(nt('confirmDelete'))) void api('DELETE', `${BASE}/contact-points/${c.id}`).then(reload);
    });
    const failing = c.health.consecutiveFailures > 0;
    body.append(
      h(
        'tr',
        { data: { id: String(c.id) } },
        h('td', {}, h('strong', {}, c.name), c.username ? h('div', { class: 'muted' }, c.username) : null),
        h('td', {}, ntk('kind', c.kind), ' · ', c.language.toUpperCase()),
        h('td', {}, recipient(c)),
        h('td', {}, c.secretsSet.length ? `${c.secretsSet.join(', ')} (${nt('secretSet')})` : nt('none')),
        h('td', { class: failing ? 'error' : 'ok' }, failing ? `${c.health.consecutiveFailures} ${nt('failing')}: ${c.health.lastError ?? ''}` : nt('healthy')),
        h('td', { class: 'nt-actions' }, test, edit, del, h('br'), result),
      ),
    );
  }
  const add = h('button', { type: 'button', data: { testid: 'nt-add-contact' } }, nt('add'));
  add.addEventListener('click', () => replace(formBox, form(undefined)));

  function form(c: ContactPoint | undefined): HTMLElement {
    const name = h('input', { name: 'name', value: c?.name ?? '', required: true });
    const kind = h('select', { name: 'kind' }, ...(['email', 'sms', 'chat', 'webhook'] as const).map((k) => h('option', { value: k }, ntk('kind', k))));
    kind.value = c?.kind ?? 'email';
    const username = h('input', { name: 'username', value: c?.username ?? '' });
    const language = h('select', { name: 'language' }, h('option', { value: 'vi' }, 'Tiếng Việt'), h('option', { value: 'en' }, 'English'));
    language.value = c?.language ?? 'vi';
    const fields = h('div', { class: 'nt-grid' });
    const inputs = new Map<string, HTMLInputElement | HTMLTextAreaElement>();
    const secret = h('input', { name: 'secret', type: 'password', autocomplete: 'new-password', placeholder: c ? nt('secretKeep') : '' });
    const secretHeader = h('input', { name: 'secretHeader', placeholder: 'Authorization' });
    const error = h('p', { class: 'error', role: 'alert' });
    function drawFields(): void {
      inputs.clear();
      const k = kind.value as ContactPoint['kind'];
      const list = KIND_FIELDS[k].map((f) => {
        const value = c && c.kind === k && c.settings[f] !== undefined ? String(c.settings[f]) : '';
        const input = f === 'bodyTemplate' ? h('textarea', { name: f, rows: '3' }, value) : h('input', { name: f, value });
        inputs.set(f, input);
        return field(f, input);
      });
      const secretLabel = k === 'email' ? 'password' : 'header';
      replace(fields, ...list, k === 'email' ? null : field(`${nt('secrets')}: header`, secretHeader), field(`${nt('secrets')}: ${secretLabel}`, secret));
    }
    kind.addEventListener('change', drawFields);
    drawFields();
    const save = h('button', { type: 'submit', data: { testid: 'nt-save-contact' } }, nt('save'));
    const f = h(
      'form',
      { class: 'nt-form', data: { testid: 'nt-contact-form' } },
      h('div', { class: 'nt-grid' }, field(nt('name'), name), field(nt('kind'), kind), field(nt('user'), username), field(nt('language'), language)),
      fields,
      h('div', {}, save, ' ', h('button', { type: 'button', class: 'ghost', on: { click: () => replace(formBox) } }, nt('cancel'))),
      error,
    );
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const settings: Record<string, unknown> = {};
      for (const [k, input] of inputs) if (input.value !== '') settings[k] = k === 'port' ? Number(input.value) : input.value;
      const secrets: Record<string, unknown> = {};
      if (secret.value) {
        if (kind.value === 'email') secrets['password'] = secret.value;
        else secrets['headers'] = { [secretHeader.value || 'Authorization']: secret.value };
      }
      const payload = {
        name: name.value,
        kind: kind.value,
        settings,
        username: username.value || null,
        language: language.value,
        ...(Object.keys(secrets).length ? { secrets } : {}),
      };
      void api(c ? 'PUT' : 'POST', c ? `${BASE}/contact-points/${c.id}` : `${BASE}/contact-points`, payload).then(reload, (err: Error) => (error.textContent = err.message));
    });
    return f;
  }

  return h(
    'section',
    { class: 'panel', data: { testid: 'nt-contact-points' } },
    h('div', { class: 'nt-head' }, h('h3', {}, nt('contactPoints')), add),
    formBox,
    model.contactPoints.length === 0
      ? h('p', { class: 'muted' }, nt('empty'))
      : h(
          'table',
          { class: 'nt-table' },
          h('thead', {}, h('tr', {}, ...[nt('name'), nt('kind'), nt('recipient'), nt('secrets'), nt('health'), ''].map((x) => h('th', {}, x)))),
          body,
        ),
  );
}
