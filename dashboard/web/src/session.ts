/**
 * @module dashboard/web/session
 * Keeping a browser session alive without anyone at the keyboard (the wall screen): a read-only
 * wall token (`qtk_…`, given once in the URL) is exchanged for a cookie session
 * (POST /api/v1/auth/session/token), and the session is renewed before it ends
 * (POST /api/v1/auth/session/renew; where the server has no such endpoint, any authenticated
 * request renews a sliding cookie, so a GET of the session stands in). If the session is lost
 * anyway, the token (kept in memory only, never in the URL or storage) is exchanged again.
 */
import { ApiError, api, type User } from './api';

interface SessionJson {
  expiresAt: string;
  user: User;
}

/** Exchanges a wall token for a cookie session; undefined when the server refuses it or cannot. */
export async function exchangeToken(token: string): Promise<SessionJson | undefined> {
  const res = await fetch('/api/v1/auth/session/token', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'x-requested-with': 'quantrac-dashboard', accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!res.ok) {
    console.warn(`wall: token exchange answered ${res.status}`);
    return undefined;
  }
  return (await res.json()) as SessionJson;
}

/** How long to wait before the next renewal: a quarter of what is left, between 15 s and 10 min. */
export function renewDelay(expiresAt: string | undefined, now = Date.now()): number {
  if (!expiresAt) return 5 * 60_000;
  const left = Date.parse(expiresAt) - now;
  return Math.min(10 * 60_000, Math.max(15_000, Math.floor(left / 4)));
}

let renewMissing = false;

/** Renews the session now: its new expiry, or undefined when it is gone (401). */
export async function renewSession(): Promise<string | undefined> {
  try {
    if (!renewMissing) {
      try {
        return (await api<SessionJson>('POST', '/api/v1/auth/session/renew', {})).expiresAt;
      } catch (err) {
        if (!(err instanceof ApiError && (err.status === 404 || err.status === 405))) throw err;
        renewMissing = true; // an older server: the sliding cookie renews on use
      }
    }
    return (await api<SessionJson>('GET', '/api/v1/auth/session')).expiresAt;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return undefined;
    throw err;
  }
}

/**
 * Renews the session periodically until stopped. When it is lost, `token` (if any) is exchanged
 * again, else `onLost` runs (back to sign-in).
 */
export function keepAlive(options: { expiresAt: string | undefined; token: string | undefined; onLost(): void }): () => void {
  let timer: number | undefined;
  let stopped = false;
  const schedule = (expiresAt: string | undefined) => {
    if (!stopped) timer = window.setTimeout(() => void tick(), renewDelay(expiresAt));
  };
  async function tick(): Promise<void> {
    let expiresAt: string | undefined;
    try {
      expiresAt = await renewSession();
      if (expiresAt === undefined && options.token) expiresAt = (await exchangeToken(options.token))?.expiresAt;
    } catch (err) {
      // the network or the server is down: try again soon, the cookie may still be valid
      console.warn('session: renewal failed', err);
      schedule(new Date(Date.now() + 4 * 60_000).toISOString());
      return;
    }
    if (expiresAt === undefined) {
      if (!stopped) options.onLost();
      return;
    }
    document.documentElement.dataset.sessionExpires = expiresAt;
    schedule(expiresAt);
  }
  if (options.expiresAt) document.documentElement.dataset.sessionExpires = options.expiresAt;
  schedule(options.expiresAt);
  return () => {
    stopped = true;
    if (timer !== undefined) window.clearTimeout(timer);
  };
}
