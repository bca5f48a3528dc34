/**
 * Sessions that stay signed in (issue #15, control room): the session cookie renews while in use
 * (past half of TOKEN_TTL_HOURS), a renewed cookie outlives the original expiry, a read-only API
 * token (an admin's wall token) is exchanged for a viewer session, and revoking that token ends
 * the session and its live stream. The token clock is a fake one (`authNow`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from './helpers/app.js';

const HOUR_MS = 3_600_000;
let clock = Date.now();
let t: TestApp;

/** The `name=value` part of a Set-Cookie header, or undefined when none is set. */
function cookieOf(headers: Record<string, unknown>): string | undefined {
  const set = headers['set-cookie'];
  const first = Array.isArray(set) ? set[0] : set;
  return typeof first === 'string' ? first.split(';')[0] : undefined;
}

async function signIn(): Promise<string> {
  const res = await t.inject('POST', '/api/v1/auth/session', { username: 'admin', password: ADMIN_PASSWORD }, null);
  expect(res.status).toBe(200);
  return cookieOf(res.headers)!;
}

beforeAll(async () => {
  t = await startTestApp({ auth: { tokenTtlHours: 1 } }, undefined, { authNow: () => clock });
});
afterAll(async () => {
  await t?.close(true);
});

describe('sliding browser sessions', () => {
  it('gives a request past half-life a fresh cookie, which still works after the original expiry', async () => {
    const original = await signIn();
    // early in its life: no new cookie
    const early = await t.inject('GET', '/api/v1/stations', undefined, null, { cookie: original });
    expect(early.status).toBe(200);
    expect(cookieOf(early.headers)).toBeUndefined();

    clock += 0.6 * HOUR_MS;
    const late = await t.inject('GET', '/api/v1/stations', undefined, null, { cookie: original });
    expect(late.status).toBe(200);
    const renewed = cookieOf(late.headers);
    expect(renewed).toMatch(/^qt_session=v1\./);
    expect(renewed).not.toBe(original);
    expect(String(late.headers['set-cookie'])).toMatch(/HttpOnly.*SameSite=Strict.*Max-Age=3600/);

    clock += 0.6 * HOUR_MS; // past the original cookie's expiry
    expect((await t.inject('GET', '/api/v1/stations', undefined, null, { cookie: original })).status).toBe(401);
    const still = await t.inject<{ user: { username: string; role: string } }>('GET', '/api/v1/auth/session', undefined, null, { cookie: renewed! });
    expect(still).toMatchObject({ status: 200, body: { user: { username: 'admin', role: 'admin' } } });
  });

  it('renews on request: POST /api/v1/auth/session/renew (cookie and X-Requested-With)', async () => {
    const cookie = await signIn();
    expect((await t.inject('POST', '/api/v1/auth/session/renew', undefined, null)).status).toBe(401);
    expect((await t.inject('POST', '/api/v1/auth/session/renew', undefined, null, { cookie })).status).toBe(403);
    clock += 0.3 * HOUR_MS; // early: the cookie would not renew by itself yet
    const res = await t.inject<{ expiresAt: string }>('POST', '/api/v1/auth/session/renew', undefined, null, { cookie, 'x-requested-with': 'fetch' });
    expect(res.status).toBe(200);
    expect(Date.parse(res.body.expiresAt)).toBe(Math.floor((clock + HOUR_MS) / 1000) * 1000);
    const fresh = cookieOf(res.headers)!;
    clock += 0.8 * HOUR_MS; // past the first cookie's hour, inside the renewed one's
    expect((await t.inject('GET', '/api/v1/auth/session', undefined, null, { cookie })).status).toBe(401);
    expect((await t.inject('GET', '/api/v1/auth/session', undefined, null, { cookie: fresh })).status).toBe(200);
  });
});

describe('wall token', () => {
  it('exchanges a read-only API token for a viewer session that renews, and a revoked token ends it', async () => {
    const admin = await signIn();
    const headers = { cookie: admin, 'x-requested-with': 'fetch' };
    const created = await t.inject<{ token: string; id: string; role: string; expiresAt: string | null }>('POST', '/api/v1/tokens', { name: 'Control room wall' }, null, headers);
    expect(created).toMatchObject({ status: 201, body: { role: 'viewer', expiresAt: null } });
    const wallToken = created.body.token;
    expect(wallToken).toMatch(/^qtk_/);

    expect((await t.inject('POST', '/api/v1/auth/session/token', { token: 'qtk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, null)).status).toBe(401);
    const exchanged = await t.inject<{ user: { username: string; role: string }; readOnly: boolean }>('POST', '/api/v1/auth/session/token', { token: wallToken }, null);
    expect(exchanged).toMatchObject({ status: 200, body: { user: { username: 'admin', role: 'viewer' }, readOnly: true } });
    const wall = cookieOf(exchanged.headers)!;

    // reads work; writes do not, even with the CSRF header and the owner's name in it
    expect((await t.inject('GET', '/api/v1/overview', undefined, null, { cookie: wall })).status).toBe(200);
    const write = await t.inject<{ error: { code: string } }>('POST', '/api/v1/tokens', { name: 'more' }, null, { cookie: wall, 'x-requested-with': 'fetch' });
    expect(write).toMatchObject({ status: 403, body: { error: { code: 'QT_ERR_TOKEN_READ_ONLY' } } });

    // it renews like any session and outlives its first cookie
    clock += 0.7 * HOUR_MS;
    const late = await t.inject('GET', '/api/v1/overview', undefined, null, { cookie: wall });
    expect(late.status).toBe(200);
    const renewed = cookieOf(late.headers)!;
    expect(renewed).toBeDefined();
    clock += 0.5 * HOUR_MS;
    expect((await t.inject('GET', '/api/v1/overview', undefined, null, { cookie: wall })).status).toBe(401);
    expect((await t.inject('GET', '/api/v1/overview', undefined, null, { cookie: renewed })).status).toBe(200);

    // the live stream accepts the wall's session (the token itself is for the REST API)
    const url = `http://127.0.0.1:${t.app.ports.http}`;
    const streamOptions = { path: '/socket.io/', transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie: renewed } };
    const socket = ioClient(url, streamOptions);
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
    socket.close();

    // revoked: the token, its session and the stream all stop at once
    const admin2 = await signIn();
    expect((await t.inject('DELETE', `/api/v1/tokens/${created.body.id}`, undefined, null, { cookie: admin2, 'x-requested-with': 'fetch' })).status).toBe(204);
    expect((await t.inject('GET', '/api/v1/overview', undefined, wallToken)).status).toBe(401);
    expect((await t.inject('GET', '/api/v1/overview', undefined, null, { cookie: renewed })).status).toBe(401);
    expect((await t.inject('GET', '/api/v1/auth/session', undefined, null, { cookie: renewed })).status).toBe(401);
    expect((await t.inject('POST', '/api/v1/auth/session/token', { token: wallToken }, null)).status).toBe(401);
    const refused = ioClient(url, streamOptions);
    const error = await new Promise<Error>((resolve) => refused.on('connect_error', resolve));
    expect(error.message).toBe('unauthorized');
    refused.close();
  });
});
