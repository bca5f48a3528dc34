/**
 * `buildApi` builds the whole HTTP API without listening (fastify's docs/Guides/Testing.md):
 * requests go in-process through `app.inject()`. The components under it are the real ones of a
 * running app on the embedded TimescaleDB (startTestApp); the API built here is a second one over
 * the same store and directory, with its own token service (same key), metrics and event bus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiTokenService } from '../auth/api-tokens.js';
import { createTokenService, newTokenKey } from '../auth/tokens.js';
import { EventBus } from '../domain/events.js';
import { createMetrics } from '../lib/metrics.js';
import { initSetting } from '../store/users.js';
import { startTestApp, type TestApp } from '../test/helpers/app.js';
import { buildApi, type Api } from './index.js';

let t: TestApp;
let api: Api;

beforeAll(async () => {
  t = await startTestApp();
  const { config, store, directory, profiles, broker, alerts, logger, security } = t.app;
  const key = await initSetting(store.db, 'auth.token_key', newTokenKey());
  const apiTokens = createApiTokenService(store.db, key, config.analytics.tokenCacheMs);
  const tokens = createTokenService(key, Date.now, apiTokens);
  const metrics = createMetrics(); // its own registry: the open-data routes register their counters in it
  const bus = new EventBus(({ owner, event, error }) => logger.error({ err: error, owner, event }, 'event listener failed'));
  api = await buildApi({ config, db: store.db, directory, profiles, tokens, apiTokens, metrics, broker, alerts, bus, logger, security });
}, 120_000);
afterAll(async () => {
  await api?.app.close();
  await t?.close(true);
});

const auth = () => ({ authorization: `Bearer ${t.adminToken}` });

describe('buildApi', () => {
  it('registers every route without listening', async () => {
    expect(api.app.server.listening).toBe(false);
    const health = await api.app.inject({ url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', database: 'ok' });
    const table = api.app.routeTable();
    expect(table).toContainEqual({ method: 'GET', url: '/api/v1/stations', role: 'viewer' });
    expect(table).toContainEqual({ method: 'POST', url: '/api/v1/stations', role: 'admin' });
    expect(table).toContainEqual({ method: 'GET', url: '/api/v1/audit', role: 'admin' });
    const doc = await api.app.inject({ url: '/api/openapi.json' });
    expect(Object.keys(doc.json<{ paths: Record<string, unknown> }>().paths)).toContain('/api/v1/stations/{id}/readings');
  });

  it('checks roles at onRequest, before the body is read', async () => {
    const anonymous = await api.app.inject({ method: 'POST', url: '/api/v1/stations', headers: { 'content-type': 'application/json' }, payload: '{not json' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: { code: 'QT_ERR_UNAUTHORIZED' } });
  });

  it('reads and writes the real store, and audits the write', async () => {
    const created = await api.app.inject({
      method: 'POST',
      url: '/api/v1/stations',
      headers: auth(),
      payload: { id: 'BUILD-1', name: 'Trạm build', profile: 'air-quality', lat: 21.03, lon: 105.85, province: 'Hà Nội' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json<{ secret: string }>().secret).toEqual(expect.any(String));
    // the running app shares the store and the directory: it sees the station too
    expect((await t.api<{ station: { id: string } }>('GET', '/api/v1/stations/BUILD-1')).body.station.id).toBe('BUILD-1');
    const one = await api.app.inject({ url: '/api/v1/stations/BUILD-1', headers: auth() });
    expect(one.json()).toMatchObject({ station: { id: 'BUILD-1', name: 'Trạm build', profile: 'air-quality' }, latest: [] });

    const log = await api.app.inject({ url: `/api/v1/audit?action=${encodeURIComponent('POST /api/v1/stations')}`, headers: auth() });
    expect(log.statusCode).toBe(200);
    expect(log.json<{ data: unknown[] }>().data[0]).toMatchObject({ actor: 'admin', action: 'POST /api/v1/stations', outcome: 'ok', target: null });
  });
});
