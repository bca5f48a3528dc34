/**
 * @module dashboard/web/main
 * The operations center page: sign-in, then a shell (header, navigation, language switch,
 * preferences, Node-RED for admins, and the alert banner every page shows) and one view at a
 * time, routed by the URL path (/, /alerts, /stations/{id}, /stations/{id}/review, /bulletins,
 * /validation, /open-data and /notifications for admins) with the history API. /wall is the control room's screen: no
 * chrome, dark, signed in by a wall token (?token=qtk_…) exchanged once for a renewing session.
 */
import 'leaflet/dist/leaflet.css';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { createAlertWatch, type AlertWatch } from './alert-watch';
import { ApiError, api, can, setUnauthorizedHandler, type User } from './api';
import { createAlertBanner, type AlertBanner } from './awareness/banner';
import { settingsButton } from './awareness/settings';
import { h, replace } from './dom';
import { lang, onLangChange, setLang, t } from './i18n';
import { connectLive, type Live } from './live';
import { exchangeToken } from './session';
import { forceDark } from './theme';
import { mountAlerts } from './views/alerts/index';
import { mountBulletins } from './views/bulletins';
import { mountOpenData } from './views/open-data';
import { mountNotifications } from './views/notifications/index';
import { mountOverview } from './views/overview/index';
import { mountReview } from './views/review/index';
import { mountStation } from './views/station';
import { mountValidationReport } from './views/validation-report/index';
import { mountWall } from './views/wall/index';

export interface ViewContext {
  user: User;
  live: Live;
  /** The network's open alerts, kept current for the session. */
  alerts: AlertWatch;
  navigate(path: string): void;
}
export type Unmount = () => void;

const root = document.getElementById('app')!;
let live: Live | undefined;
let watch: AlertWatch | undefined;
let banner: AlertBanner | undefined;
let unmountView: Unmount | undefined;
let user: User | undefined;
/** The session's expiry as the server last said (the wall renews before it). */
let expiresAt: string | undefined;
/** A wall token from the URL, kept in memory only, to sign in again if the session is lost. */
let wallToken: string | undefined;
const BASE_TITLE = document.title;

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
function endSession(): void {
  user = undefined;
  expiresAt = undefined;
  banner?.destroy();
  banner = undefined;
  watch?.close();
  watch = undefined;
  live?.close();
  live = undefined;
}
/** The session is gone: on the wall, sign in again with its token; elsewhere, back to sign-in. */
function sessionLost(): void {
  endSession();
  if (wallToken && location.pathname === '/wall') void signInWithToken(wallToken).then(render);
  else render();
}
setUnauthorizedHandler(sessionLost);

function header(u: User): HTMLElement {
  const path = location.pathname;
  const link = (href: string, label: string, active: boolean) => h('a', { href, data: { nav: '' }, class: active ? 'active' : '' }, label);
  return h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, h('span', { class: 'logo', aria: { hidden: 'true' } }, 'Q'), h('span', {}, 'Quantrac · ', t('appTitle'))),
    h(
      'nav',
      {},
      link('/', t('overview'), path === '/'),
      link('/alerts', t('alerts'), path.startsWith('/alerts')),
      link('/bulletins', t('bulletins'), path === '/bulletins'),
      link('/validation', t('validation'), path === '/validation' || path.endsWith('/review')),
      can(u, 'admin') ? link('/open-data', t('openData'), path === '/open-data') : null,
      can(u, 'admin') ? link('/notifications', t('notifications'), path === '/notifications') : null,
    ),
    h('div', { class: 'spacer' }),
    h('span', { class: 'live-status', id: 'live-status' }),
    can(u, 'admin') ? h('a', { class: 'tool-link', href: '/red/', target: '_blank', rel: 'noopener', data: { testid: 'node-red' }, title: t('nodeRedTitle') }, 'Node-RED ↗') : null,
    h('a', { class: 'tool-link', href: '/wall', target: '_blank', rel: 'noopener', data: { testid: 'wall-link' } }, `${t('wall')} ↗`),
    settingsButton(),
    h('button', { class: 'lang', type: 'button', data: { testid: 'lang' }, on: { click: () => setLang(lang() === 'vi' ? 'en' : 'vi') } }, t('language')),
    h('span', { class: 'who' }, `${u.username} (${u.role})`),
    h('button', { type: 'button', class: 'ghost', on: { click: () => void signOut() } }, t('signOut')),
  );
}

async function signOut(): Promise<void> {
  await api('DELETE', '/api/v1/auth/session');
  endSession();
  wallToken = undefined;
  history.replaceState(null, '', '/');
  render();
}

/** Exchanges a wall token for a cookie session (sets `user`); false when refused. */
async function signInWithToken(token: string): Promise<boolean> {
  try {
    const session = await exchangeToken(token);
    if (!session) return false;
    user = session.user;
    expiresAt = session.expiresAt;
    return true;
  } catch (err) {
    console.warn('wall: token exchange failed', err);
    return false;
  }
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
      const res = await api<{ user: User; expiresAt: string }>('POST', '/api/v1/auth/session', { username: username.value, password: password.value });
      user = res.user;
      expiresAt = res.expiresAt;
      render();
    } catch (err) {
      // 429: the login guard (security/login-guard.ts) locked this account or address for a while
      error.textContent =
        err instanceof ApiError && err.status === 401
          ? t('badCredentials')
          : err instanceof ApiError && err.status === 429
            ? t('tooManyLogins')
            : `${t('error')}: ${(err as Error).message}`;
    }
  }
  return h('main', { class: 'login-page' }, form);
}

function render(): void {
  unmountView?.();
  unmountView = undefined;
  document.documentElement.lang = lang();
  document.title = BASE_TITLE;
  const path = location.pathname;
  const wall = path === '/wall';
  forceDark(wall);
  document.documentElement.classList.toggle('wall-mode', wall);
  if (!user) {
    replace(root, loginView());
    return;
  }
  live ??= connectLive();
  watch ??= createAlertWatch(live);
  banner ??= createAlertBanner(watch, () => navigate('/alerts'));
  const ctx: ViewContext = { user, live, alerts: watch, navigate };
  if (wall) {
    const main = h('main', { class: 'wall' });
    replace(root, main);
    unmountView = mountWall(main, ctx, { banner: banner.el, expiresAt, token: wallToken, onLost: sessionLost });
    return;
  }
  const main = h('main', { class: 'view' });
  replace(root, header(user), banner.el, main);
  const status = document.getElementById('live-status')!;
  const offStatus = live.onStatus((connected) => {
    status.textContent = connected ? '' : t('reconnecting');
    status.classList.toggle('down', !connected);
  });
  const station = /^\/stations\/([^/]+)$/.exec(path);
  const review = /^\/stations\/([^/]+)\/review$/.exec(path);
  let unmount: Unmount;
  if (station) unmount = mountStation(main, ctx, decodeURIComponent(station[1]!));
  else if (review) unmount = mountReview(main, ctx, decodeURIComponent(review[1]!));
  else if (path === '/validation') unmount = mountValidationReport(main, ctx);
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
  // /wall?token=qtk_…: exchanged once, then removed from the address bar (and so from history and screenshots)
  const params = new URLSearchParams(location.search);
  const token = location.pathname === '/wall' ? params.get('token') : null;
  if (token) {
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', `/wall${rest ? '?' + rest : ''}`);
    wallToken = token;
    if (await signInWithToken(token)) return render();
  }
  try {
    const session = await api<{ user: User; expiresAt: string }>('GET', '/api/v1/auth/session');
    user = session.user;
    expiresAt = session.expiresAt;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) console.error(err);
  }
  render();
}
void boot();
