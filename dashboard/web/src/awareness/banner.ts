/**
 * @module dashboard/web/awareness/banner
 * The alert banner every page shows under its header (the shell keeps one for the session): how
 * many warning and critical alerts are firing and not yet acknowledged, the newest one's station
 * and message, a click to the alerts screen; the tab title carries the count ("(2) Quantrac…").
 * A critical alert that fires while the page is open is announced (the banner pulses until
 * seen), with the operator's optional beep and browser notification (awareness/prefs.ts).
 */
import type { AlertJson } from '../../../../domain/live';
import type { AlertChange, AlertWatch } from '../alert-watch';
import { alertText, SEVERITY_RANK } from '../common';
import { h, replace } from '../dom';
import { onLangChange, t } from '../i18n';
import { beep, prefs, showNotification } from './prefs';

export interface AlertBanner {
  el: HTMLElement;
  destroy(): void;
}

const at = (a: AlertJson) => a.firingAt ?? a.openedAt;

/** Firing (not acknowledged) warning and critical alerts, most severe then newest first. */
export function unacknowledged(open: readonly AlertJson[]): AlertJson[] {
  return open.filter((a) => a.state === 'firing' && a.severity !== 'info').sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || at(b).localeCompare(at(a)));
}

export function createAlertBanner(watch: AlertWatch, openAlerts: () => void): AlertBanner {
  const el = h('div', { class: 'alert-banner', role: 'status', hidden: true, data: { testid: 'alert-banner', count: '0' } });
  /** The newest critical alert announced since the page opened, until the operator has seen it. */
  let fresh: AlertJson | undefined;
  let count = 0;

  el.addEventListener('click', () => {
    fresh = undefined;
    render();
    openAlerts();
  });

  function render(): void {
    const list = unacknowledged(watch.open());
    if (fresh && !list.some((a) => a.id === fresh!.id)) fresh = undefined;
    count = list.length;
    applyTitle();
    el.dataset.count = String(count);
    el.hidden = count === 0;
    if (count === 0) return;
    const shown = fresh ?? list[0]!;
    const critical = list.filter((a) => a.severity === 'critical').length;
    el.className = `alert-banner sev-${list[0]!.severity}${fresh ? ' critical-banner' : ''}`;
    replace(
      el,
      h('strong', { class: 'banner-count' }, `⚠ ${count} ${t('unackAlerts')}`),
      h('span', { class: 'banner-split muted-on' }, `${critical} ${t('sev_critical').toLowerCase()} · ${count - critical} ${t('sev_warning').toLowerCase()}`),
      h('span', { class: 'banner-newest' }, fresh ? `${t('newCritical')}: ` : `${t('newest')}: `, h('b', {}, watch.stationName(shown.station)), ` – ${alertText(shown)}`),
      fresh
        ? h(
            'button',
            {
              type: 'button',
              class: 'banner-seen',
              on: {
                click: (ev) => {
                  ev.stopPropagation();
                  fresh = undefined;
                  render();
                },
              },
            },
            t('dismiss'),
          )
        : null,
    );
  }

  function applyTitle(): void {
    const base = document.title.replace(/^\(\d+\) /, '');
    const want = count > 0 ? `(${count}) ${base}` : base;
    if (document.title !== want) document.title = want;
  }
  // views set their own title (the station page: its name): keep the count in front of it
  const titleEl = document.querySelector('title') ?? document.head.appendChild(document.createElement('title'));
  const observer = new MutationObserver(applyTitle);
  observer.observe(titleEl, { childList: true, characterData: true, subtree: true });

  function announce(changes: readonly AlertChange[]): void {
    for (const { alert, transition, notify } of changes) {
      if (!notify || alert.severity !== 'critical' || (transition !== 'firing' && transition !== 'escalated')) continue;
      fresh = alert;
      const p = prefs();
      if (p.sound) beep();
      if (p.notify) showNotification(`Quantrac: ${t('newCritical')}`, `${watch.stationName(alert.station)} – ${alertText(alert)}`, `quantrac-alert-${alert.id}`, openAlerts);
    }
  }

  const offChange = watch.onChange((changes) => {
    if (changes) announce(changes);
    render();
  });
  const offLang = onLangChange(render);
  render();

  return {
    el,
    destroy() {
      offChange();
      offLang();
      observer.disconnect();
      count = 0;
      applyTitle();
    },
  };
}
