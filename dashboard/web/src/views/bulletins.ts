/**
 * Bulletins: the daily and monthly bulletins published for the whole system and each province,
 * newest first, with their digest and downloads (HTML, CSV, PDF); operators generate one for a
 * chosen day or month now. A period published again (on request, or after a reviewer changed the
 * validation of its data) shows its current version, with why it was produced again, and its
 * older versions below it, each still downloadable.
 */
import { api, can } from '../api';
import { h, replace } from '../dom';
import { fmtDateTime, fmtDay, fmtNum, t } from '../i18n';
import type { Unmount, ViewContext } from '../main';

interface BulletinJson {
  id: number;
  kind: 'daily' | 'monthly';
  period: string;
  scope: string;
  province: string | null;
  generatedAt: string;
  generatedBy: string;
  version: number;
  current: boolean;
  revisionReason: string | null;
  olderVersions?: BulletinJson[];
  summary: { stations: number; stationsExceeding: number; exceedances: number; alertsFired: number; alertsResolved: number; completeness: number | null };
  links: { html: string; csv: string; pdf: string | null };
}

/** The local day before today (Asia/Ho_Chi_Minh), YYYY-MM-DD. */
function yesterday(): string {
  return new Date(Date.now() + 7 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
}
function lastMonth(): string {
  const d = new Date(Date.now() + 7 * 3_600_000);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth(); // 0-based: the previous month's number
  return m === 0 ? `${y - 1}-12` : `${y}-${String(m).padStart(2, '0')}`;
}

export function mountBulletins(main: HTMLElement, ctx: ViewContext): Unmount {
  let closed = false;
  const select = (name: string, options: Array<[string, string]>) =>
    h('select', { name, data: { testid: `bulletin-${name}` } }, ...options.map(([v, label]) => h('option', { value: v }, label)));
  const kindSel = select('kind', [
    ['', t('all')],
    ['daily', t('bulletinDaily')],
    ['monthly', t('bulletinMonthly')],
  ]);
  const scopeSel = select('scope', [
    ['', t('all')],
    ['all', t('wholeSystem')],
  ]);
  const table = h('tbody');
  const status = h('p', { class: 'muted', role: 'status' });

  const genKind = select('gen-kind', [
    ['daily', t('bulletinDaily')],
    ['monthly', t('bulletinMonthly')],
  ]);
  const genDay = h('input', { name: 'day', type: 'date', value: yesterday(), max: yesterday(), data: { testid: 'bulletin-day' } });
  const genMonth = h('input', { name: 'month', type: 'month', value: lastMonth(), max: lastMonth(), hidden: true, data: { testid: 'bulletin-month' } });
  const genProvince = select('gen-province', [['', t('wholeSystem')]]);
  const genResult = h('span', { class: 'muted', data: { testid: 'bulletin-result' } });
  genKind.addEventListener('change', () => {
    genDay.hidden = genKind.value !== 'daily';
    genMonth.hidden = genKind.value !== 'monthly';
  });

  const generate = can(ctx.user, 'operator')
    ? h(
        'form',
        { class: 'filters', data: { testid: 'bulletin-generate' }, on: { submit: (ev) => void submit(ev) } },
        h('label', {}, t('bulletinKind'), genKind),
        h('label', {}, t('period'), genDay, genMonth),
        h('label', {}, t('scope'), genProvince),
        h('button', { type: 'submit' }, t('generateNow')),
        genResult,
      )
    : null;

  replace(
    main,
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, t('bulletins')),
      h('div', { class: 'filters' }, h('label', {}, t('bulletinKind'), kindSel), h('label', {}, t('scope'), scopeSel)),
      h(
        'table',
        { class: 'bulletins-table', data: { testid: 'bulletins-table' } },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              t('period'),
              t('bulletinKind'),
              t('scope'),
              t('bulletinVersion'),
              t('stations'),
              t('exceedances'),
              t('alertsFired'),
              t('completenessShort'),
              t('generatedAt'),
              t('downloads'),
            ].map((c) => h('th', {}, c)),
          ),
        ),
        table,
      ),
      status,
    ),
    generate ? h('section', { class: 'panel' }, h('h2', {}, t('generateBulletin')), generate) : null,
  );
  for (const el of [kindSel, scopeSel]) el.addEventListener('change', () => void reload());

  function scopeName(b: BulletinJson): string {
    return b.province ?? t('wholeSystem');
  }
  function periodName(b: BulletinJson): string {
    if (b.kind === 'daily') return fmtDay(b.period);
    const [y, m] = b.period.split('-');
    return `${m}/${y}`;
  }

  async function loadProvinces(): Promise<void> {
    const st = await api<{ data: Array<{ province: string | null }> }>('GET', '/api/v1/stations');
    if (closed) return;
    const provinces = [...new Set(st.data.map((s) => s.province).filter((p): p is string => Boolean(p)))].sort((a, b) => a.localeCompare(b, 'vi'));
    replace(scopeSel, h('option', { value: '' }, t('all')), h('option', { value: 'all' }, t('wholeSystem')), ...provinces.map((p) => h('option', { value: `province:${p}` }, p)));
    replace(genProvince, h('option', { value: '' }, t('wholeSystem')), ...provinces.map((p) => h('option', { value: p }, p)));
  }

  /** One version's row; an older version is dimmed and says it was superseded. */
  function row(b: BulletinJson) {
    return h(
      'tr',
      { data: { id: String(b.id), version: String(b.version) }, class: b.current ? '' : 'superseded muted' },
      h('td', {}, periodName(b)),
      h('td', {}, b.kind === 'daily' ? t('bulletinDaily') : t('bulletinMonthly')),
      h('td', {}, scopeName(b)),
      h(
        'td',
        { data: { testid: 'bulletin-version' }, title: b.revisionReason ? `${t('bulletinRevised')}: ${b.revisionReason}` : '' },
        `v${b.version}`,
        b.current ? null : ` (${t('bulletinSuperseded')})`,
        b.revisionReason ? h('div', { class: 'muted small', data: { testid: 'bulletin-reason' } }, b.revisionReason) : null,
      ),
      h('td', { class: 'num' }, String(b.summary.stations)),
      h('td', { class: 'num' }, `${b.summary.stationsExceeding} / ${b.summary.exceedances}`),
      h('td', { class: 'num' }, String(b.summary.alertsFired)),
      h('td', { class: 'num' }, b.summary.completeness === null ? '–' : `${fmtNum(b.summary.completeness, 1)} %`),
      h('td', {}, fmtDateTime(b.generatedAt)),
      h(
        'td',
        { class: 'downloads' },
        h('a', { href: b.links.html, data: { testid: 'download-html' } }, 'HTML'),
        ' · ',
        h('a', { href: b.links.csv, data: { testid: 'download-csv' } }, 'CSV'),
        b.links.pdf ? ' · ' : null,
        b.links.pdf ? h('a', { href: b.links.pdf, data: { testid: 'download-pdf' } }, 'PDF') : null,
      ),
    );
  }

  async function reload(): Promise<void> {
    const q = new URLSearchParams({ limit: '200' });
    if (kindSel.value) q.set('kind', kindSel.value);
    if (scopeSel.value) q.set('scope', scopeSel.value);
    const res = await api<{ data: BulletinJson[] }>('GET', `/api/v1/bulletins?${q.toString()}`);
    if (closed) return;
    replace(table, ...res.data.flatMap((b) => [row(b), ...(b.olderVersions ?? []).map((o) => row(o))]));
    if (res.data.length === 0) replace(table, h('tr', {}, h('td', { class: 'muted' }, t('noBulletins'))));
  }

  async function submit(ev: Event): Promise<void> {
    ev.preventDefault();
    genResult.textContent = t('generating');
    genResult.className = 'muted';
    const body: Record<string, string> = { kind: genKind.value };
    if (genKind.value === 'daily') body['day'] = genDay.value;
    else body['month'] = genMonth.value;
    if (genProvince.value) body['province'] = genProvince.value;
    try {
      const res = await api<{ bulletin: BulletinJson }>('POST', '/api/v1/bulletins', body);
      if (closed) return;
      genResult.textContent = `${t('generated')}: ${periodName(res.bulletin)} · ${scopeName(res.bulletin)}`;
      await reload();
    } catch (err) {
      genResult.textContent = `${t('error')}: ${(err as Error).message}`;
      genResult.className = 'error';
    }
  }

  Promise.all([loadProvinces(), reload()]).catch((err: unknown) => {
    status.textContent = `${t('error')}: ${(err as Error).message}`;
  });
  return () => {
    closed = true;
  };
}
