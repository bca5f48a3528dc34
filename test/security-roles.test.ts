/**
 * Security (issue 9): authorization over the whole route table and the socket.io stream, with
 * every kind of caller (anonymous, viewer, analyst API token, operator, admin), CSRF on
 * cookie-authenticated writes, the page's headers, and hostile markup (station names, rule
 * names, alert and silence comments) shown as text in Chromium.
 *
 * The route table is read from the running server (api/plugins/roles.ts collects every route
 * fastify registers). Plain HTTP requests go in-process through `inject()`; the live stream and
 * the page in Chromium use the app's real port. EXPECTED below is written by hand: a route added without an entry here
 * fails this test, so a new route cannot ship without someone deciding who may call it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, localIso, startTestApp, type TestApp } from './helpers/app.js';

type Role = 'viewer' | 'operator' | 'reviewer' | 'admin';
/** 'public': no role checked (it may authenticate otherwise: login, station ingest). */
const EXPECTED: Record<string, Role | 'public'> = {
  // documentation, health, metrics, the page and its assets
  'GET /api/docs': 'public',
  'HEAD /api/docs/': 'public', // a redirect swagger-ui serves for HEAD only
  'GET /api/docs/static/index.html': 'public',
  'GET /api/docs/static/swagger-initializer.js': 'public',
  'GET /api/docs/json': 'public',
  'GET /api/docs/yaml': 'public',
  'GET /api/docs/static/*': 'public',
  'GET /api/openapi.json': 'public',
  'GET /healthz': 'public',
  // notifications (notify/): the acknowledgement link's token is its own credential
  'GET /ack/:token': 'public',
  'POST /ack/:token': 'public',
  'POST /api/v1/notifications/ack/:token': 'public',
  'GET /api/v1/notifications/deliveries': 'operator',
  'POST /api/v1/admin/backup': 'admin',
  'GET /api/v1/notifications/contact-points': 'admin',
  'POST /api/v1/notifications/contact-points': 'admin',
  'PUT /api/v1/notifications/contact-points/:id': 'admin',
  'DELETE /api/v1/notifications/contact-points/:id': 'admin',
  'POST /api/v1/notifications/contact-points/:id/test': 'admin',
  'GET /api/v1/notifications/settings': 'admin',
  'PUT /api/v1/notifications/settings': 'admin',
  'GET /api/v1/notifications/policies': 'admin',
  'POST /api/v1/notifications/policies': 'admin',
  'PUT /api/v1/notifications/policies/:id': 'admin',
  'DELETE /api/v1/notifications/policies/:id': 'admin',
  'POST /api/v1/notifications/policies/:id/move': 'admin',
  'GET /api/v1/notifications/mute-timings': 'admin',
  'POST /api/v1/notifications/mute-timings': 'admin',
  'PUT /api/v1/notifications/mute-timings/:id': 'admin',
  'DELETE /api/v1/notifications/mute-timings/:id': 'admin',
  'GET /api/v1/notifications/schedules': 'admin',
  'POST /api/v1/notifications/schedules': 'admin',
  'PUT /api/v1/notifications/schedules/:id': 'admin',
  'DELETE /api/v1/notifications/schedules/:id': 'admin',
  'GET /api/v1/notifications/schedules/:id/on-call': 'admin',
  'GET /api/v1/notifications/escalation-chains': 'admin',
  'POST /api/v1/notifications/escalation-chains': 'admin',
  'PUT /api/v1/notifications/escalation-chains/:id': 'admin',
  'DELETE /api/v1/notifications/escalation-chains/:id': 'admin',
  'GET /metrics': 'public',
  'GET /': 'public',
  'GET /alerts': 'public',
  'GET /bulletins': 'public',
  'GET /open-data': 'public',
  'GET /notifications': 'public',
  'GET /stations/:id': 'public',
  'GET /stations/:id/review': 'public',
  'GET /validation': 'public',
  'GET /wall': 'public',
  'GET /assets/*': 'public',
  // sign-in (its own credentials) and station ingest (HTTP Basic station id:secret)
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/session': 'public',
  'GET /api/v1/auth/session': 'public',
  'DELETE /api/v1/auth/session': 'public',
  'POST /api/v1/auth/session/renew': 'public', // authenticates by the session cookie itself
  'POST /api/v1/auth/session/token': 'public', // authenticates by the API token in its body
  'POST /api/v1/ingest': 'public',
  // the open-data portal (issue 10: public by design)
  'OPTIONS /open/v1/*': 'public',
  'GET /open/v1': 'public',
  'GET /open/v1/categories': 'public',
  'GET /open/v1/stations': 'public',
  'GET /open/v1/stations/:id': 'public',
  'GET /open/v1/stations/:id/index': 'public',
  'GET /open/v1/stations/:id/hourly': 'public',
  'GET /open/v1/stations/:id/daily': 'public',
  'GET /open/v1/stations/:id/raw': 'public',
  'GET /open/v1/stations/:id/months': 'public',
  'GET /open/v1/stations/:id/months/:file': 'public',
  'GET /public': 'public',
  'GET /public/': 'public',
  // viewers: reading anything
  'GET /api/v1/overview': 'viewer',
  'GET /api/v1/profiles': 'viewer',
  'GET /api/v1/stations': 'viewer',
  'GET /api/v1/stations/:id': 'viewer',
  'GET /api/v1/stations/:id/readings': 'viewer',
  'GET /api/v1/stations/:id/aqi': 'viewer',
  'GET /api/v1/stations/:id/conflicts': 'viewer',
  'GET /api/v1/readings': 'viewer',
  'GET /api/v1/export': 'viewer',
  'GET /api/v1/completeness': 'viewer',
  'GET /api/v1/alerts': 'viewer',
  'GET /api/v1/alerts/:id': 'viewer',
  'GET /api/v1/rules': 'viewer',
  'GET /api/v1/rules/schema': 'viewer',
  'GET /api/v1/rules/:id': 'viewer',
  'GET /api/v1/silences': 'viewer',
  'GET /api/v1/bulletins': 'viewer',
  'GET /api/v1/bulletins/:file': 'viewer',
  // data validation (issue 18): reading is for viewers, reviewing for reviewers, windows for operators
  'GET /api/v1/stations/:id/validation': 'viewer',
  'GET /api/v1/stations/:id/validation/series': 'viewer',
  'GET /api/v1/stations/:id/validation/report': 'viewer',
  'GET /api/v1/stations/:id/validation/config': 'viewer',
  'GET /api/v1/stations/:id/validation/windows': 'viewer',
  'GET /api/v1/validation/report': 'viewer',
  'GET /api/v1/validation/config': 'viewer',
  'POST /api/v1/stations/:id/validation/windows': 'operator',
  'DELETE /api/v1/stations/:id/validation/windows/:windowId': 'operator',
  'POST /api/v1/stations/:id/validation/actions': 'reviewer',
  'POST /api/v1/stations/:id/validation/actions/:actionId/undo': 'reviewer',
  'POST /api/v1/stations/:id/validation/approvals': 'reviewer',
  'PUT /api/v1/validation/config/:scope': 'reviewer',
  'GET /sta/v1.1': 'viewer',
  'GET /sta/v1.1/*': 'viewer',
  // a viewer's own API tokens (analyst tokens themselves cannot create or revoke: read-only)
  'GET /api/v1/tokens': 'viewer',
  'POST /api/v1/tokens': 'viewer',
  'DELETE /api/v1/tokens/:id': 'viewer',
  // operators: acting on alerts
  'POST /api/v1/alerts/:id/ack': 'operator',
  'POST /api/v1/alerts/:id/resolve': 'operator',
  'POST /api/v1/silences': 'operator',
  'DELETE /api/v1/silences/:id': 'operator',
  'POST /api/v1/bulletins': 'operator',
  // admins: stations, rules, users, quarantine, audit, open-data settings
  'POST /api/v1/stations': 'admin',
  'PATCH /api/v1/stations/:id': 'admin',
  'POST /api/v1/stations/:id/rotate-secret': 'admin',
  'POST /api/v1/rules': 'admin',
  'PUT /api/v1/rules/:id': 'admin',
  'DELETE /api/v1/rules/:id': 'admin',
  'GET /api/v1/users': 'admin',
  'POST /api/v1/users': 'admin',
  'GET /api/v1/quarantine': 'admin',
  'GET /api/v1/audit': 'admin',
  'GET /api/v1/open/stations': 'admin',
  'PATCH /api/v1/open/stations/:id': 'admin',
};

const RANK: Record<Role, number> = { viewer: 1, operator: 2, reviewer: 3, admin: 4 };
const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let t: TestApp;
const tokens: Record<'viewer' | 'operator' | 'reviewer' | 'admin' | 'analyst', string> = { viewer: '', operator: '', reviewer: '', admin: '', analyst: '' };
const STATION = 'ROLE-1';

beforeAll(async () => {
  t = await startTestApp();
  await t.createStation({ id: STATION });
  tokens.admin = t.adminToken;
  tokens.viewer = await t.userToken('role-viewer', 'viewer');
  tokens.operator = await t.userToken('role-operator', 'operator');
  tokens.reviewer = await t.userToken('role-reviewer', 'reviewer');
  await t.userToken('role-analyst', 'viewer');
  const created = await t.api<{ token: string }>('POST', '/api/v1/tokens', { name: 'roles test', username: 'role-analyst' });
  expect(created.status).toBe(201);
  tokens.analyst = created.body.token;
}, 120_000);

afterAll(async () => {
  await t?.close(true);
});

/** A concrete URL for a route pattern: ids that exist where it matters, harmless ones elsewhere. */
function concrete(url: string): string {
  return url
    .replace('/stations/:id', `/stations/${STATION}`)
    .replace(/\/(alerts|silences)\/:id/, '/$1/999999')
    .replace('/rules/:id', '/rules/no-such-rule')
    .replace('/tokens/:id', '/tokens/0000000000000000')
    .replace('/months/:file', '/months/2026-01.csv')
    .replace('/bulletins/:file', '/bulletins/none.pdf')
    .replace('/sta/v1.1/*', '/sta/v1.1/Things')
    .replace(/\/\*$/, '/x')
    .replace(/:([a-z]+)/g, 'x');
}

async function call(method: string, url: string, token: string | null): Promise<number> {
  const hasBody = WRITE.has(method) && method !== 'DELETE';
  return (await t.inject(method, url, hasBody ? '{}' : undefined, token)).status;
}

describe('the whole route table, with every role', () => {
  it('has an expected role for every route, and the server checks exactly that role', async () => {
    const table = t.app.http.app.routeTable();
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const r of table) {
      const key = `${r.method} ${r.url}`;
      const get = r.method === 'HEAD' ? table.find((g) => g.method === 'GET' && g.url === r.url) : undefined;
      if (get) {
        // fastify adds HEAD for every GET: the same checks
        if (get.role !== r.role) problems.push(`${key}: HEAD checks ${r.role}, GET ${get.role}`);
        continue;
      }
      seen.add(key);
      const expected = EXPECTED[key];
      if (expected === undefined) {
        problems.push(`${key}: no entry in EXPECTED (decide who may call it)`);
        continue;
      }
      const declared = r.role ?? 'public';
      if (declared !== expected) problems.push(`${key}: declares ${declared}, expected ${expected}`);
    }
    for (const key of Object.keys(EXPECTED)) if (!seen.has(key)) problems.push(`${key}: in EXPECTED but not served`);
    expect(problems).toEqual([]);
  });

  it("answers 401 to anonymous callers and 403 to roles below the route's, whatever the body; analyst tokens never write", async () => {
    const problems: string[] = [];
    for (const r of t.app.http.app.routeTable()) {
      if (r.method === 'HEAD' || r.method === 'OPTIONS' || EXPECTED[`${r.method} ${r.url}`] === undefined) continue;
      const url = concrete(r.url);
      const required = r.role;
      const anonymous = await call(r.method, url, null);
      if (required === null) {
        // public routes: never a role refusal; those with their own credentials refuse anonymous callers with 401
        if (anonymous === 403) problems.push(`${r.method} ${url}: anonymous got 403 on a public route`);
        if (r.url === '/api/v1/ingest' && anonymous !== 401) problems.push(`${r.method} ${url}: anonymous ingest got ${anonymous}`);
        continue;
      }
      if (anonymous !== 401) problems.push(`${r.method} ${url}: anonymous got ${anonymous}, expected 401`);
      for (const who of ['viewer', 'analyst', 'operator', 'reviewer', 'admin'] as const) {
        const status = await call(r.method, url, tokens[who]);
        const rank = who === 'analyst' ? RANK.viewer : RANK[who];
        const allowed = rank >= RANK[required] && !(who === 'analyst' && WRITE.has(r.method));
        if (allowed && (status === 401 || status === 403)) problems.push(`${r.method} ${url}: ${who} refused with ${status}, should be allowed`);
        if (!allowed && status !== 403) problems.push(`${r.method} ${url}: ${who} got ${status}, expected 403`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('documents the audit log route in the OpenAPI document', async () => {
    const doc = await t.inject<{ paths: Record<string, { get?: { parameters?: Array<{ name: string }> } }> }>('GET', '/api/openapi.json', undefined, null);
    expect(doc.body.paths['/api/v1/audit']?.get?.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(['actor', 'action', 'outcome', 'from', 'to', 'before', 'limit']));
  });

  it('a viewer cannot acknowledge; an analyst token cannot write even its own tokens', async () => {
    const ack = await t.inject<{ error: { code: string } }>('POST', '/api/v1/alerts/1/ack', { comment: 'x' }, tokens.viewer);
    expect(ack).toMatchObject({ status: 403, body: { error: { code: 'QT_ERR_FORBIDDEN' } } });
    const write = await t.inject<{ error: { code: string } }>('POST', '/api/v1/tokens', { name: 'more' }, tokens.analyst);
    expect(write).toMatchObject({ status: 403, body: { error: { code: 'QT_ERR_TOKEN_READ_ONLY' } } });
  });

  it('refuses a cookie-authenticated write without X-Requested-With (CSRF), and sets the cookie httpOnly, SameSite=Strict', async () => {
    const res = await t.inject('POST', '/api/v1/auth/session', { username: 'admin', password: ADMIN_PASSWORD }, null);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toMatch(/Secure/); // plain HTTP here; test/security-tls.test.ts checks Secure over HTTPS
    const cookie = setCookie.split(';')[0]!;
    const body = { name: 'csrf' };
    const forged = await t.inject('PATCH', `/api/v1/stations/${STATION}`, body, null, { cookie });
    expect(forged.status).toBe(403);
    const real = await t.inject('PATCH', `/api/v1/stations/${STATION}`, body, null, { cookie, 'x-requested-with': 'fetch' });
    expect(real.status).toBe(200);
  });

  it('serves the page with a strict Content-Security-Policy', async () => {
    const res = await t.inject('GET', '/', undefined, null);
    const csp = String(res.headers['content-security-policy'] ?? '');
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('the live stream (socket.io) per role', () => {
  function connect(auth?: Record<string, string>, extraHeaders?: Record<string, string>): Promise<{ socket: Socket; error?: string }> {
    const socket = connectSocket(t.baseUrl, {
      path: '/socket.io/',
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...(auth ? { auth } : {}),
      ...(extraHeaders ? { extraHeaders } : {}),
    });
    return new Promise((resolve) => {
      socket.once('connect', () => resolve({ socket }));
      socket.once('connect_error', (err) => {
        socket.close();
        resolve({ socket, error: err.message });
      });
    });
  }

  it('refuses anonymous callers, analyst tokens and cross-site cookies; every signed-in role may join the rooms (read-only)', async () => {
    expect((await connect()).error).toBe('unauthorized');
    expect((await connect({ token: 'v1.forged.token' })).error).toBe('unauthorized');
    // analyst tokens are for the REST API; the live stream is for the operations center's users
    expect((await connect({ token: tokens.analyst })).error).toBe('unauthorized');
    const session = await fetch(`${t.baseUrl}/api/v1/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
    expect((await connect(undefined, { cookie, origin: 'https://evil.example' })).error).toBe('cross-origin session refused');

    for (const who of ['viewer', 'operator', 'admin'] as const) {
      const { socket, error } = await connect({ token: tokens[who] });
      expect(error, who).toBeUndefined();
      for (const room of ['overview', 'alerts', `station:${STATION}`]) {
        expect(await socket.timeout(5000).emitWithAck('subscribe', room), `${who} ${room}`).toEqual({ ok: true });
      }
      expect(await socket.timeout(5000).emitWithAck('subscribe', 'station:NOPE')).toMatchObject({ ok: false });
      socket.close();
    }
  });
});

describe('hostile markup in the operations center (Chromium)', () => {
  const NAME = '<img src=x onerror=alert(1)>Trạm';
  const RULE = '<svg onload=alert(2)>PM2.5';
  const COMMENT = '<script>alert(3)</script><img src=x onerror=alert(4)>';

  it('shows station names, rule names and comments as text, never as markup', async () => {
    await t.createStation({ id: 'HOSTILE-1', name: NAME, lat: 20.9, lon: 105.8 });
    const s = await t.api<{ secret: string }>('POST', '/api/v1/stations/HOSTILE-1/rotate-secret');
    const rule = {
      id: 'hostile.rule',
      name: { en: RULE, vi: RULE },
      kind: 'threshold',
      scope: { station: 'HOSTILE-1' },
      metric: 'pm25',
      severity: 'critical',
      op: 'above',
      raise: 10,
      clear: 5,
      over: 'raw',
    };
    expect((await t.api('POST', '/api/v1/rules', rule)).status).toBe(201);
    const client = await t.connectStation('HOSTILE-1', s.body.secret);
    await client.publishAsync('stations/HOSTILE-1/readings', JSON.stringify({ ts: localIso(Date.now() - 10_000), values: { pm25: 80 } }), { qos: 1 });
    await t.app.alerts.idle();
    const open = (await t.api<{ data: Array<{ id: number; rule: string }> }>('GET', '/api/v1/alerts?station=HOSTILE-1&state=open')).body.data;
    const alert = open.find((a) => a.rule === 'hostile.rule')!;
    expect(alert).toBeDefined();
    expect((await t.api('POST', `/api/v1/alerts/${alert.id}/ack`, { comment: COMMENT }, tokens.operator)).status).toBe(200);
    expect(
      (await t.api('POST', '/api/v1/silences', { station: 'HOSTILE-1', endsAt: new Date(Date.now() + 3_600_000).toISOString(), comment: COMMENT }, tokens.operator)).status,
    ).toBe(201);

    const profileDir = mkdtempSync(join(tmpdir(), 'quantrac-chromium-'));
    const browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const dialogs: string[] = [];
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.goto(t.baseUrl + '/');
      await page.fill('input[name=username]', 'admin');
      await page.fill('input[name=password]', ADMIN_PASSWORD);
      await page.click('form.login button[type=submit]');
      await page.waitForSelector('header.topbar');
      await page.waitForSelector('[data-testid=station-list] li[data-id="HOSTILE-1"]');
      expect(await page.textContent('li[data-id="HOSTILE-1"] .name')).toBe(NAME);

      await page.goto(`${t.baseUrl}/alerts?id=${alert.id}`);
      await page.waitForSelector('[data-testid=alert-history] li');
      const detail = (await page.textContent('.alert-detail')) ?? '';
      expect(detail).toContain(COMMENT);
      expect(detail).toContain(RULE);
      expect(await page.textContent('[data-testid=alerts-table]')).toContain(NAME);

      await page.goto(`${t.baseUrl}/stations/HOSTILE-1`);
      await expect.poll(() => page.textContent('[data-testid=station-name]')).toBe(NAME);

      // nothing became an element, nothing ran
      for (const path of ['/', `/alerts?id=${alert.id}`, '/stations/HOSTILE-1']) {
        await page.goto(t.baseUrl + path);
        await page.waitForSelector('header.topbar');
        await page.waitForTimeout(300);
        expect(await page.locator('img[src=x], svg[onload], body script:not([src])').count(), path).toBe(0);
      }
      expect(dialogs).toEqual([]);

      // the sign-in form says why it refuses once the login guard has locked an account
      await browser.clearCookies();
      await page.goto(t.baseUrl + '/');
      for (let i = 0; i < 6; i++) {
        await page.fill('input[name=username]', 'no-such-user');
        await page.fill('input[name=password]', `guess-${i}`);
        await page.click('form.login button[type=submit]');
        await expect
          .poll(() => page.textContent('form.login .error'))
          .toBe(i < 5 ? 'Sai tên đăng nhập hoặc mật khẩu' : 'Đăng nhập sai quá nhiều lần; vui lòng thử lại sau ít phút');
        if (i < 5)
          await page.evaluate(
            () => ((globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }).document.querySelector('form.login .error').textContent = ''),
          );
      }
    } finally {
      await browser.close();
      rmSync(profileDir, { recursive: true, force: true });
    }
  }, 120_000);
});
