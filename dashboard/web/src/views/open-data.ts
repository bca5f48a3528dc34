/**
 * Open data (admins): what the public page and the open API publish of each station. Per station:
 * public or not (or the profile's default: every profile but industrial wastewater), which of its
 * metrics, and the time its data is validated through; the time it is published through follows
 * from those and the agency's embargo. Saving goes through PATCH /api/v1/open/stations/{id}, so
 * every change is in the audit log.
 */
import { api } from '../api';
import { h, replace } from '../dom';
import { fmtDateTime, loc, t } from '../i18n';
import type { Unmount, ViewContext } from '../main';

interface PublicationJson {
  id: string;
  name: string;
  profile: string;
  public: boolean;
  publicFlag: boolean | null;
  publicByDefault: boolean;
  publicMetrics: string[] | null;
  validatedThrough: string | null;
  publishedMetrics: string[];
  publishedThrough: string;
}
interface OpenSettingsJson {
  license: string;
  licenseUrl: string;
  attribution: string;
  embargoHours: number;
  validatedOnly: boolean;
  /** publish only days at this validation level or above (0 = every day; validated readings only in any case) */
  minValidationLevel: number;
  raw: boolean;
}
interface ProfileJson {
  id: string;
  name: { en: string; vi: string };
  metrics: Record<string, { name: { en: string; vi: string }; unit: string }>;
}

const ICT_MS = 7 * 3_600_000;
/** ISO time → the value of a datetime-local input in Vietnam time (UTC+7, no DST). */
function toLocalInput(iso: string | null): string {
  return iso ? new Date(new Date(iso).getTime() + ICT_MS).toISOString().slice(0, 16) : '';
}
/** A datetime-local value read as Vietnam time → ISO, or null when empty. */
function fromLocalInput(value: string): string | null {
  return value ? new Date(`${value}:00+07:00`).toISOString() : null;
}

export function mountOpenData(main: HTMLElement, _ctx: ViewContext): Unmount {
  let closed = false;
  let rows: PublicationJson[] = [];
  let profiles = new Map<string, ProfileJson>();
  const summary = h('p', { class: 'muted', data: { testid: 'open-settings' } });
  const search = h('input', { type: 'search', placeholder: t('searchStations'), data: { testid: 'open-search' } });
  const table = h('tbody');
  const status = h('p', { class: 'muted', role: 'status' });
  search.addEventListener('input', () => draw());

  replace(
    main,
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, t('openData')),
      summary,
      h('p', {}, h('a', { href: '/public', target: '_blank', rel: 'noopener', data: { testid: 'open-public-link' } }, t('openPublicPage'))),
      h('div', { class: 'filters' }, h('label', {}, t('stations'), search)),
      h(
        'table',
        { class: 'open-table', data: { testid: 'open-table' } },
        h('thead', {}, h('tr', {}, ...[t('station'), t('openPublished'), t('openMetrics'), t('openValidatedThrough'), t('openPublishedThrough'), ''].map((c) => h('th', {}, c)))),
        table,
      ),
      status,
    ),
  );

  function row(p: PublicationJson): HTMLTableRowElement {
    const profile = profiles.get(p.profile);
    const metricKeys = Object.keys(profile?.metrics ?? {});
    const flag = h(
      'select',
      { name: 'public', data: { testid: 'open-public' } },
      h('option', { value: 'default' }, `${t('openDefault')} (${p.publicByDefault ? t('yes') : t('no')})`),
      h('option', { value: 'true' }, t('openPublic')),
      h('option', { value: 'false' }, t('openNotPublic')),
    );
    flag.value = p.publicFlag === null ? 'default' : String(p.publicFlag);
    const chosen = new Set(p.publicMetrics ?? metricKeys);
    const boxes = metricKeys.map((key) => {
      const box = h('input', { type: 'checkbox', name: key, checked: chosen.has(key) });
      return { key, box, label: h('label', { class: 'check', title: loc(profile?.metrics[key]?.name) }, box, key) };
    });
    const validated = h('input', { type: 'datetime-local', name: 'validatedThrough', value: toLocalInput(p.validatedThrough), data: { testid: 'open-validated' } });
    const result = h('span', { class: 'muted', data: { testid: 'open-result' } });
    const save = h('button', { type: 'button', data: { testid: 'open-save' } }, t('save'));
    save.addEventListener('click', () => void submit());

    async function submit(): Promise<void> {
      const picked = boxes.filter((b) => b.box.checked).map((b) => b.key);
      const body = {
        public: flag.value === 'default' ? null : flag.value === 'true',
        // every metric ticked = all of them, including any the profile gains later
        publicMetrics: picked.length === metricKeys.length ? null : picked,
        validatedThrough: fromLocalInput(validated.value),
      };
      result.textContent = '…';
      result.className = 'muted';
      try {
        const res = await api<{ station: PublicationJson }>('PATCH', `/api/v1/open/stations/${encodeURIComponent(p.id)}`, body);
        if (closed) return;
        rows = rows.map((r) => (r.id === p.id ? res.station : r));
        const fresh = row(res.station);
        tr.replaceWith(fresh);
        const done = fresh.querySelector<HTMLElement>('[data-testid=open-result]')!;
        done.textContent = t('saved');
        done.className = 'ok';
      } catch (err) {
        result.textContent = `${t('error')}: ${(err as Error).message}`;
        result.className = 'error';
      }
    }

    const tr = h(
      'tr',
      { data: { id: p.id }, class: p.public ? 'is-public' : 'not-public' },
      h('td', {}, h('strong', {}, p.id), h('br'), p.name, h('br'), h('span', { class: 'muted' }, loc(profile?.name) || p.profile)),
      h('td', {}, flag, h('br'), h('span', { class: p.public ? 'ok' : 'muted', data: { testid: 'open-state' } }, p.public ? t('openIsPublic') : t('openIsHidden'))),
      h('td', { class: 'open-metrics' }, ...boxes.map((b) => b.label)),
      h('td', {}, validated),
      h('td', { data: { testid: 'open-through' } }, p.public ? fmtDateTime(p.publishedThrough) : '–'),
      h('td', {}, save, h('br'), result),
    );
    return tr;
  }

  function draw(): void {
    const q = search.value.trim().toLowerCase();
    const shown = q ? rows.filter((r) => r.id.toLowerCase().includes(q) || r.name.toLowerCase().includes(q)) : rows;
    replace(table, ...shown.map(row));
    if (shown.length === 0) replace(table, h('tr', {}, h('td', { class: 'muted' }, t('noStations'))));
  }

  async function load(): Promise<void> {
    const [open, prof] = await Promise.all([
      api<{ settings: OpenSettingsJson; data: PublicationJson[] }>('GET', '/api/v1/open/stations'),
      api<{ data: ProfileJson[] }>('GET', '/api/v1/profiles'),
    ]);
    if (closed) return;
    profiles = new Map(prof.data.map((p) => [p.id, p]));
    rows = open.data;
    const s = open.settings;
    summary.textContent = [
      `${t('openLicence')}: ${s.license} · ${s.attribution}`,
      `${t('openEmbargo')}: ${s.embargoHours} h`,
      `${t('openMinLevel')}: ${t(s.minValidationLevel >= 2 ? 'openLevel2' : s.minValidationLevel === 1 ? 'openLevel1' : 'openLevel0')}`,
      `${t('openValidatedOnly')}: ${s.validatedOnly ? t('yes') : t('no')}`,
      `${t('openRaw')}: ${s.raw ? t('yes') : t('no')}`,
    ].join(' · ');
    draw();
  }

  load().catch((err: unknown) => {
    status.textContent = `${t('error')}: ${(err as Error).message}`;
  });
  return () => {
    closed = true;
  };
}
