/**
 * The operations center page: sign-in, then a shell (header, navigation, language switch) and
 * one view at a time, routed by the URL path (/, /alerts, /stations/{id}, /bulletins, /open-data for admins) with the history API.
 */
import 'leaflet/dist/leaflet.css';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { ApiError, api, can, setUnauthorizedHandler, type User } from './api';
import { h, replace } from './dom';
import { lang, onLangChange, setLang, t } from './i18n';
import { connectLive, type Live } from './live';
import { mountAlerts } from './views/alerts';
import { mountBulletins } from './views/bulletins';
import { mountOpenData } from './views/open-data';
import { mountNotifications } from './views/notifications/index';
import { mountOverview } from './views/overview';
import { mountStation } from './views/station';

export interface ViewContext {
  user: User;
  live: Live;
  navigate(path: string): void;
}
export type Unmount = () => void;

const root = document.getElementById('app')!;
let live: Live | undefined;
let unmountView: Unmount | undefined;
let user: User | undefined;

function navigate(path: string): void {
  history.pushState(null, '', path);
  render();
}

/** Follows same-origin links inside the page without reloading it. */
document.addEventListener('click', (ev) => {
  const a = (ev.target as Element | null)?.closest?.('a[data-nav]') as HTMLAnchorElement | null;
  if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
  ev.preventDefault();
  navigate(a.getAttribute('href')!);
});
window.addEventListener('popstate', () => render());
onLangChange(() => render());
setUnauthorizedHandler(() => {
  user = undefined;
  live?.close();
  live = undefined;
  render();
});

function header(u: User): HTMLElement {
  const path = location.pathname;
  const link = (href: string, label: string, active: boolean) => h('a', { href, data: { nav: '' }, class: active ? 'active' : '' }, label);
  return h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, h('span', { class: 'logo', aria: { hidden: 'true' } }, 'Q'), h('span', {}, 'Quantrac · ', t('appTitle'))),
    h('nav', {}, link('/', t('overview'), path === '/'), link('/alerts', t('alerts'), path.startsWith('/alerts')), link('/bulletins', t('bulletins'), path === '/bulletins'), can(u, 'admin') ? link('/open-data', t('openData'), path === '/open-data') : null, can(u, 'admin') ? link('/notifications', t('notifications'), path === '/notifications') : null),
    h('div', { class: 'spacer' }),
    h('span', { class: 'live-status', id: 'live-status' }),
    h('button', { class: 'lang', type: 'button', data: { testid: 'lang' }, on: { click: () => setLang(lang() === 'vi' ? 'en' : 'vi') } }, t('language')),
    h('span', { class: 'who' }, `${u.username} (${u.role})`),
    h('button', { type: 'button', class: 'ghost', on: { click: () => void signOut() } }, t('signOut')),
  );
}

async function signOut(): Promise<void> {
  await api('DELETE', '/api/v1/auth/session');
  user = undefined;
  live?.close();
  live = undefined;
  history.replaceState(null, '', '/');
  render();
}

function loginView(): HTMLElement {
  const error = h('p', { class: 'error', role: 'alert' });
  const username = h('input', { name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    { class: 'login', on: { submit: (ev) => void submit(ev) } },
    h('h1', {}, 'Quantrac'),
    h('p', { class: 'muted' }, t('appTitle')),
    h('label', {}, t('username'), username),
    h('label', {}, t('password'), password),
    h('button', { type: 'submit' }, t('signIn')),
    error,
    h('button', { type: 'button', class: 'ghost lang', data: { testid: 'lang' }, on: { click: () => setLang(lang() === 'vi' ? 'en' : 'vi') } }, t('language')),
  );
  async function submit(ev: Event): Promise<void> {
    ev.preventDefault();
    try {
      const res = await api<{ user: User }>('POST', '/api/v1/auth/session', { username: username.value, password: password.value });
      user = res.user;
      render();
    } catch (err) {
      // 429: the login guard (security/login-guard.ts) locked this account or address for a while
      error.textContent = err instanceof ApiError && err.status === 401 ? t('badCredentials') : err instanceof ApiError && err.status === 429 ? t('tooManyLogins') : `${t('error')}: ${(err as Error).message}`;
    }
  }
  return h('main', { class: 'login-page' }, form);
}

function render(): void {
  unmountView?.();
  unmountView = undefined;
  document.documentElement.lang = lang();
  if (!user) {
    replace(root, loginView());
    return;
  }
  live ??= connectLive();
  const main = h('main', { class: 'view' });
  replace(root, header(user), main);
  const status = document.getElementById('live-status')!;
  const offStatus = live.onStatus((connected) => {
    status.textContent = connected ? '' : t('reconnecting');
    status.classList.toggle('down', !connected);
  });
  const ctx: ViewContext = { user, live, navigate };
  const path = location.pathname;
  const station = /^\/stations\/([^/]+)$/.exec(path);
  let unmount: Unmount;
  if (station) unmount = mountStation(main, ctx, decodeURIComponent(station[1]!));
  else if (path === '/alerts') unmount = mountAlerts(main, ctx);
  else if (path === '/bulletins') unmount = mountBulletins(main, ctx);
  else if (path === '/open-data' && can(user, 'admin')) unmount = mountOpenData(main, ctx);
  else if (path === '/notifications' && can(user, 'admin')) unmount = mountNotifications(main, ctx);
  else unmount = mountOverview(main, ctx);
  unmountView = () => {
    offStatus();
    unmount();
  };
}

async function boot(): Promise<void> {
  try {
    user = (await api<{ user: User }>('GET', '/api/v1/auth/session')).user;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) console.error(err);
  }
  render();
}
void boot();
