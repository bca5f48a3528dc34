/**
 * The early-warning engine in the real app: readings over real MQTT, the embedded TimescaleDB,
 * the HTTP API, a controllable engine clock (the timer is off; tests call tick()).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localIso, startRestartableTestApp, startTestApp, tempDataDir, type TestApp } from './helpers/app.js';
import { createSimulatedStation } from '../simulators/index.js';
import type { EventMap } from '../domain/events.js';
import { vnWqi } from '../domain/indices/index.js';

interface AlertJson {
  id: number;
  station: string;
  rule: string;
  state: string;
  severity: string;
  silenced: boolean;
  openedAt: string;
  acknowledged: { by: string; comment: string } | null;
  resolved: { by: string | null; reason: string } | null;
  message: { en: string; vi: string };
}

let clock = Date.now();
const now = () => clock;
let t: TestApp;
let operatorToken: string;
let viewerToken: string;

beforeAll(async () => {
  t = await startTestApp({}, tempDataDir(), { now });
  operatorToken = await t.userToken('duty-op', 'operator');
  viewerToken = await t.userToken('viewer-1', 'viewer');
});
afterAll(async () => {
  await t?.close(true);
});

async function alertsOf(station: string, state = '', rule = ''): Promise<AlertJson[]> {
  const res = await t.api<{ data: AlertJson[] }>('GET', `/api/v1/alerts?station=${station}${state ? `&state=${state}` : ''}${rule ? `&rule=${rule}` : ''}`);
  expect(res.status).toBe(200);
  return res.body.data;
}

async function publish(client: Awaited<ReturnType<TestApp['connectStation']>>, station: string, reading: object): Promise<void> {
  await client.publishAsync(`stations/${station}/readings`, JSON.stringify(reading), { qos: 1 });
  await t.app.alerts.idle();
}

function thresholdRule(id: string, station: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    name: { en: `PM2.5 above 100 at ${station}`, vi: `PM2,5 vượt 100 tại ${station}` },
    kind: 'threshold',
    scope: { station },
    metric: 'pm25',
    severity: 'warning',
    op: 'above',
    raise: 100,
    clear: 80,
    over: 'raw',
    ...extra,
  };
}

describe('alert lifecycle through the API', () => {
  it('fires on a reading over the limit, does not flap around it, and is acknowledged then resolved by an operator', async () => {
    const s = await t.createStation({ id: 'AL-HYST' });
    expect((await t.api('POST', '/api/v1/rules', thresholdRule('test.hyst', s.id))).status).toBe(201);
    const client = await t.connectStation(s.id, s.secret);
    const base = Date.now() - 3_600_000;
    await publish(client, s.id, { ts: localIso(base), values: { pm25: 150 } });
    // (the shipped packs may raise their own alerts too, e.g. the VN_AQI category once a NowCast exists)
    let open = await alertsOf(s.id, 'open', 'test.hyst');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ rule: 'test.hyst', state: 'firing', severity: 'warning' });
    // oscillating between clear (80) and raise (100): still the same single alert, still firing
    for (const [i, v] of [95, 105, 90, 101, 85].entries()) await publish(client, s.id, { ts: localIso(base + (i + 1) * 60_000), values: { pm25: v } });
    open = await alertsOf(s.id, '', 'test.hyst');
    expect(open).toHaveLength(1);
    expect(open[0]!.state).toBe('firing');

    // a viewer may not acknowledge; an operator may
    const id = open[0]!.id;
    expect((await t.api('POST', `/api/v1/alerts/${id}/ack`, { comment: 'looking' }, viewerToken)).status).toBe(403);
    const ack = await t.api<{ alert: AlertJson }>('POST', `/api/v1/alerts/${id}/ack`, { comment: 'Đội trực đã nhận, đang kiểm tra' }, operatorToken);
    expect(ack.status).toBe(200);
    expect(ack.body.alert).toMatchObject({ state: 'acknowledged', acknowledged: { by: 'duty-op', comment: 'Đội trực đã nhận, đang kiểm tra' } });
    expect((await t.api('POST', `/api/v1/alerts/${id}/ack`, { comment: 'again' }, operatorToken)).status).toBe(409);
    const resolved = await t.api<{ alert: AlertJson }>('POST', `/api/v1/alerts/${id}/resolve`, { reason: 'traffic jam cleared' }, operatorToken);
    expect(resolved.body.alert).toMatchObject({ state: 'resolved', resolved: { by: 'duty-op', reason: 'traffic jam cleared' } });

    const detail = await t.api<{ history: Array<{ type: string; actor: string | null; evidence: unknown }> }>('GET', `/api/v1/alerts/${id}`);
    expect(detail.body.history.map((h) => h.type)).toEqual(['pending', 'firing', 'acknowledged', 'resolved']);
    expect(detail.body.history[2]!.actor).toBe('duty-op');
    expect(JSON.stringify(detail.body.history[0]!.evidence)).toContain('150');
  });

  it('resolves by itself once the value has stayed below the clear level for the clear period', async () => {
    const s = await t.createStation({ id: 'AL-CLEAR' });
    await t.api('POST', '/api/v1/rules', thresholdRule('test.clear', s.id, { clearSeconds: 600 }));
    const client = await t.connectStation(s.id, s.secret);
    const base = Date.now() - 3_600_000;
    await publish(client, s.id, { ts: localIso(base), values: { pm25: 130 } });
    expect((await alertsOf(s.id, 'open', 'test.clear'))[0]!.state).toBe('firing');
    await publish(client, s.id, { ts: localIso(base + 60_000), values: { pm25: 40 } });
    expect((await alertsOf(s.id, 'open', 'test.clear'))[0]!.state).toBe('firing'); // clearing, not yet clear
    clock += 601_000;
    await t.app.alerts.tick();
    const all = await alertsOf(s.id);
    expect(all.find((a) => a.rule === 'test.clear')).toMatchObject({ state: 'resolved', resolved: { by: null, reason: 'condition cleared' } });
  });

  it('never raises pollution alerts from a calibrating or faulty station, and raises an equipment alert on status 02', async () => {
    const s = await t.createStation({ id: 'AL-CAL' });
    await t.api('POST', '/api/v1/rules', thresholdRule('test.cal', s.id));
    const client = await t.connectStation(s.id, s.secret);
    const base = Date.now() - 3_600_000;
    await publish(client, s.id, { ts: localIso(base), values: { pm25: 999 }, status: { pm25: '01' } });
    await publish(client, s.id, { ts: localIso(base + 60_000), values: { pm25: 999 }, status: { pm25: '02' } });
    const alerts = await alertsOf(s.id, 'open');
    expect(alerts.map((a) => a.rule)).not.toContain('test.cal');
    expect(alerts.map((a) => a.rule)).toContain('qcvn05.device-status'); // the shipped pack's equipment rule
  });

  it('detects a station that never sends anything, on the timer, and reminds while it stays offline', async () => {
    const s = await t.createStation({ id: 'AL-SILENT' });
    const rule = t.app.alerts.listRules().find((r) => r.rule.kind === 'no_data' && 'profile' in r.rule.scope && r.rule.scope.profile === 'air-quality')!.rule;
    expect(rule.kind).toBe('no_data');
    await t.app.alerts.tick();
    expect(await alertsOf(s.id, 'open')).toEqual([]);
    clock += 6 * 60_000; // > 5 × the profile's 60 s interval
    await t.app.alerts.tick();
    const open = await alertsOf(s.id, 'open');
    expect(open.map((a) => [a.rule, a.state])).toContainEqual([rule.id, 'firing']);
    clock += 61 * 60_000;
    await t.app.alerts.tick();
    const id = open.find((a) => a.rule === rule.id)!.id;
    const detail = await t.api<{ history: Array<{ type: string }> }>('GET', `/api/v1/alerts/${id}`);
    expect(detail.body.history.map((h) => h.type)).toContain('reminder');
  });

  it('records alerts during a silence without notifying', async () => {
    const s = await t.createStation({ id: 'AL-SILENCED' });
    await t.api('POST', '/api/v1/rules', thresholdRule('test.silenced', s.id));
    const silence = await t.api('POST', '/api/v1/silences', { station: s.id, endsAt: new Date(clock + 3_600_000).toISOString(), comment: 'bảo trì định kỳ' }, operatorToken);
    expect(silence.status).toBe(201);
    const changes: Array<EventMap['alertChanged']> = [];
    t.app.bus.on('test-silence', 'alertChanged', (e) => void changes.push(e));
    const client = await t.connectStation(s.id, s.secret);
    await publish(client, s.id, { ts: localIso(Date.now() - 60_000), values: { pm25: 300 } });
    t.app.bus.removeOwner('test-silence');
    const alert = (await alertsOf(s.id, 'open')).find((a) => a.rule === 'test.silenced')!;
    expect(alert).toMatchObject({ state: 'firing', silenced: true });
    const firing = changes.find((c) => c.alert.ruleId === 'test.silenced' && c.transition === 'firing')!;
    expect(firing.notify).toBe(false);
  });

  it('announces a new alert that fires at once as pending then firing, each with the state it had and the stored id', async () => {
    const s = await t.createStation({ id: 'AL-FRESH' });
    await t.api('POST', '/api/v1/rules', thresholdRule('test.fresh', s.id));
    const changes: Array<EventMap['alertChanged']> = [];
    t.app.bus.on('test-fresh', 'alertChanged', (e) => void changes.push(e));
    const client = await t.connectStation(s.id, s.secret);
    await publish(client, s.id, { ts: localIso(Date.now() - 60_000), values: { pm25: 250 } });
    t.app.bus.removeOwner('test-fresh');
    const stored = (await alertsOf(s.id, 'open', 'test.fresh'))[0]!;
    const mine = changes.filter((c) => c.alert.ruleId === 'test.fresh');
    expect(mine.map((c) => [c.transition, c.alert.state, c.alert.id])).toEqual([
      ['pending', 'pending', stored.id],
      ['firing', 'firing', stored.id],
    ]);
  });

  it('resolves the open alert of a deleted rule, saying so', async () => {
    const s = await t.createStation({ id: 'AL-DELETED' });
    expect((await t.api('POST', '/api/v1/rules', thresholdRule('test.deleted', s.id))).status).toBe(201);
    await publish(await t.connectStation(s.id, s.secret), s.id, { ts: localIso(Date.now() - 60_000), values: { pm25: 250 } });
    expect((await alertsOf(s.id, 'open', 'test.deleted')).map((a) => a.state)).toEqual(['firing']);
    expect((await t.api('DELETE', '/api/v1/rules/test.deleted')).status).toBe(204);
    expect(await alertsOf(s.id, 'open', 'test.deleted')).toEqual([]);
    expect((await alertsOf(s.id, '', 'test.deleted')).map((a) => [a.state, a.resolved?.reason])).toEqual([['resolved', 'rule deleted']]);
  });

  it('refuses a bad rule naming the field, and edits rules without a restart', async () => {
    const bad = await t.api<{ error: { code: string; message: string } }>('POST', '/api/v1/rules', thresholdRule('test.bad', 'AL-HYST', { clear: 120 }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('QT_ERR_RULE_INVALID');
    expect(bad.body.error.message).toMatch(/clear/);
    const noWindow = await t.api<{ error: { message: string } }>('POST', '/api/v1/rules', thresholdRule('test.bad2', 'AL-HYST', { over: 'mean' }));
    expect(noWindow.body.error.message).toMatch(/windowMinutes/);
    expect((await t.api('POST', '/api/v1/rules', thresholdRule('test.hyst', 'AL-HYST'))).status).toBe(409);
    expect((await t.api('POST', '/api/v1/rules', thresholdRule('test.x', 'AL-HYST'), operatorToken)).status).toBe(403);

    const s = await t.createStation({ id: 'AL-EDIT' });
    await t.api('POST', '/api/v1/rules', thresholdRule('test.edit', s.id));
    const put = await t.api('PUT', '/api/v1/rules/test.edit', thresholdRule('test.edit', s.id, { raise: 500, clear: 400 }));
    expect(put.status).toBe(200);
    const client = await t.connectStation(s.id, s.secret);
    await publish(client, s.id, { ts: localIso(Date.now() - 60_000), values: { pm25: 300 } });
    expect((await alertsOf(s.id, 'open')).map((a) => a.rule)).not.toContain('test.edit');
    expect((await t.api('DELETE', '/api/v1/rules/test.edit')).status).toBe(204);
    expect((await t.api('GET', '/api/v1/rules/test.edit')).status).toBe(404);
  });

  it('announces stored changes to stations, rules and silences on the bus, and not their re-reads (cluster/ relays them)', async () => {
    const stations: string[] = [];
    let rules = 0;
    t.app.bus.on('test-announce', 'stationChanged', ({ stationId }) => void stations.push(stationId));
    t.app.bus.on('test-announce', 'alertRulesChanged', () => void rules++);
    try {
      const s = await t.createStation({ id: 'AL-ANNOUNCE' });
      expect(stations).toEqual([s.id]);
      await t.app.directory.refresh(s.id);
      expect(stations).toEqual([s.id]);

      expect((await t.api('POST', '/api/v1/rules', thresholdRule('test.announce', s.id, { clear: 120 }))).status).toBe(400);
      expect(rules).toBe(0);
      expect((await t.api('POST', '/api/v1/rules', thresholdRule('test.announce', s.id))).status).toBe(201);
      expect(rules).toBe(1);
      await t.app.alerts.reloadRules();
      expect(rules).toBe(1);
      const silence = await t.app.alerts.createSilence({
        stationId: s.id,
        ruleId: null,
        startsAt: new Date(clock),
        endsAt: new Date(clock + 60_000),
        comment: 'test',
        createdBy: 'admin',
      });
      await t.app.alerts.deleteSilence(silence.id);
      expect((await t.api('DELETE', '/api/v1/rules/test.announce')).status).toBe(204);
      expect(rules).toBe(4);
    } finally {
      t.app.bus.removeOwner('test-announce');
    }
  });
});

describe('flood levels per station', () => {
  it('raises BĐ I, escalates to BĐ III as the river rises, and steps down', async () => {
    const s = await t.createStation({ id: 'AL-LONGBIEN', profile: 'hydromet', attributes: { floodLevels: [9.5, 10.5, 11.5] } });
    const client = await t.connectStation(s.id, s.secret);
    const base = Date.now() - 3_600_000;
    const level = async (i: number, v: number) => publish(client, s.id, { ts: localIso(base + i * 300_000), values: { water_level: v } });
    const flood = async () => (await alertsOf(s.id, 'open')).find((a) => a.rule === 'flood.water-level')!;
    await level(0, 9.0);
    expect(await flood()).toBeUndefined();
    await level(1, 9.6);
    expect(await flood()).toMatchObject({ state: 'firing', severity: 'info' });
    await level(2, 11.6);
    expect((await flood()).severity).toBe('critical');
    await level(3, 10.6);
    expect((await flood()).severity).toBe('warning');
  });
});

describe('restart in the middle of a pending period', () => {
  it('keeps the pending alert and fires it when the period ends', async () => {
    const r = await startRestartableTestApp();
    try {
      const s = await r.app.createStation({ id: 'AL-PENDING' });
      await r.app.api('POST', '/api/v1/rules', thresholdRule('test.pending', s.id, { pendingSeconds: 600 }));
      const client = await r.app.connectStation(s.id, s.secret);
      await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(Date.now() - 120_000), values: { pm25: 200 } }), { qos: 1 });
      await r.app.app.alerts.idle();
      const before = (await r.app.api<{ data: AlertJson[] }>('GET', `/api/v1/alerts?station=${s.id}&state=open`)).body.data;
      expect(before.map((a) => [a.rule, a.state])).toEqual([['test.pending', 'pending']]);

      const app = await r.restart(601_000);
      await app.app.alerts.tick();
      const after = (await app.api<{ data: AlertJson[] }>('GET', `/api/v1/alerts?station=${s.id}&rule=test.pending`)).body.data;
      expect(after).toHaveLength(1);
      expect(after[0]).toMatchObject({ id: before[0]!.id, state: 'firing', openedAt: before[0]!.openedAt });
    } finally {
      await r.close();
    }
  });
});

describe('restart with stations that never reported', () => {
  it('counts their silence from the restart, and keeps an offline alert open across it', async () => {
    const r = await startRestartableTestApp();
    try {
      const noData = r.app.app.alerts.listRules().find((x) => x.rule.kind === 'no_data' && 'profile' in x.rule.scope && x.rule.scope.profile === 'air-quality')!.rule;
      const openOf = async (id: string) => (await r.app.api<{ data: AlertJson[] }>('GET', `/api/v1/alerts?station=${id}&rule=${noData.id}`)).body.data;
      // AL-GONE goes silent and its offline alert fires; AL-QUIET is registered just before the app
      // stops; neither ever sends a reading
      const gone = await r.app.createStation({ id: 'AL-GONE' });
      await r.app.app.alerts.tick();
      r.advance(6 * 60_000);
      await r.app.app.alerts.tick();
      const offline = await openOf(gone.id);
      expect(offline.map((a) => a.state)).toEqual(['firing']);
      const quiet = await r.app.createStation({ id: 'AL-QUIET' });
      await r.app.app.alerts.tick();

      await r.restart(60 * 60_000); // down for an hour
      r.advance(4 * 60_000);
      await r.app.app.alerts.tick();
      // AL-QUIET: silence counts from the restart (4 min < 5 × the 60 s interval), not from its registration an hour ago
      expect(await openOf(quiet.id)).toEqual([]);
      // AL-GONE: still silent, its alert goes on (the same one, neither cleared nor raised again)
      expect((await openOf(gone.id)).map((a) => [a.id, a.state])).toEqual([[offline[0]!.id, 'firing']]);
      r.advance(2 * 60_000);
      await r.app.app.alerts.tick();
      expect((await openOf(quiet.id)).map((a) => a.state)).toEqual(['firing']);
      expect((await openOf(gone.id)).map((a) => [a.id, a.state])).toEqual([[offline[0]!.id, 'firing']]);
    } finally {
      await r.close();
    }
  });
});

describe('VN_AQI kept current and stored', () => {
  it('computes the hourly AQI with the NowCast from the stored hourly means (Decision 1459 worked example)', async () => {
    const s = await t.createStation({ id: 'AL-AQI' });
    const client = await t.connectStation(s.id, s.secret);
    // hourly PM2.5 from 09:00 to 20:00 of the decision's example, one reading per hour (hour mean = value)
    const hourly = [26.9, 24.7, 20.5, 23.5, 19.5, 16.5, 19.0, 16.5, 20.3, 22.4, 19.6, 20.6];
    const lastHourStart = Math.floor((Date.now() - 2 * 3_600_000) / 3_600_000) * 3_600_000;
    const backlog = hourly.map((v, i) => ({ ts: localIso(lastHourStart - (hourly.length - 1 - i) * 3_600_000 + 30 * 60_000), values: { pm25: v } }));
    await publish(client, s.id, backlog);
    const res = await t.api<{ data: Array<{ ts: string; aqi: number; category: { key: string; name: { vi: string } }; dominant: string }> }>(
      'GET',
      `/api/v1/stations/${s.id}/aqi?period=hour`,
    );
    const newest = res.body.data.at(-1)!;
    expect(newest.ts).toBe(new Date(lastHourStart + 3_600_000).toISOString()); // hour-ending label
    expect(newest).toMatchObject({ aqi: 41, dominant: 'pm25', category: { key: 'good', name: { vi: 'Tốt' } } }); // NowCast 20.27 → 40.5 → 41
  });
});

describe('VN_WQI for surface-water stations', () => {
  it('is computed hourly and stored where enough groups are measured, and not otherwise', async () => {
    const s = await t.createStation({ id: 'AL-WQI', profile: 'surface-water' });
    const client = await t.connectStation(s.id, s.secret);
    const hour = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000;
    const values = { ph: 7.2, do: 6.5, temp: 25, cod: 12, toc: 4, nh4: 0.2, po4: 0.1, coliform: 3000 };
    await publish(client, s.id, { ts: localIso(hour + 10 * 60_000), values });
    // an hour without coliform: groups I and IV only — fewer than the 3 groups Decision 1460 requires
    const { coliform: _omit, ...withoutV } = values;
    await publish(client, s.id, { ts: localIso(hour + 3_600_000 + 10 * 60_000), values: withoutV });
    const res = await t.api<{ index: string; data: Array<{ ts: string; aqi: number; category: { key: string } }> }>(
      'GET',
      `/api/v1/stations/${s.id}/aqi?index=wqi&from=${new Date(hour).toISOString()}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.index).toBe('vn_wqi');
    const expected = vnWqi(values);
    expect(expected.wqi).not.toBeNull();
    expect(res.body.data).toEqual([
      {
        ts: new Date(hour + 3_600_000).toISOString(),
        aqi: expected.wqi,
        category: expect.objectContaining({ key: expected.wqi === null ? '' : expected.class.key }),
        dominant: 'wqi',
        subIndices: expect.any(Object),
      },
    ]);
  });
});

describe('a simulator pollution episode', () => {
  it('raises a firing alert within 2 s of the triggering reading', async () => {
    const s = await t.createStation({ id: 'AL-EPISODE' });
    await t.api('POST', '/api/v1/rules', thresholdRule('test.episode', s.id, { raise: 150, clear: 120 }));
    const profile = t.app.profiles.get('air-quality')!.profile;
    let triggeredAt: number | undefined;
    let firedAt: number | undefined;
    t.app.bus.on('test-episode', 'readingsAccepted', ({ readings }) => {
      if (triggeredAt === undefined && readings.some((r) => r.stationId === s.id && r.metric === 'pm25' && (r.value ?? 0) > 150)) triggeredAt = performance.now();
    });
    t.app.bus.on('test-episode', 'alertChanged', ({ alert, transition }) => {
      if (alert.ruleId === 'test.episode' && transition === 'firing') firedAt = performance.now();
    });
    const station = createSimulatedStation({ url: t.mqttUrl, station: { id: s.id, secret: s.secret, profile }, intervalMs: 100, seed: 7 });
    try {
      await station.start();
      station.inject({ kind: 'episode', metric: 'pm25', target: 400, rampMs: 1000, holdMs: 5000, decayMs: 1000 });
      const until = Date.now() + 10_000;
      while (firedAt === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await station.close();
      t.app.bus.removeOwner('test-episode');
    }
    expect(triggeredAt).toBeDefined();
    expect(firedAt).toBeDefined();
    expect(firedAt! - triggeredAt!).toBeLessThan(2000);
    expect((await alertsOf(s.id, 'open')).find((a) => a.rule === 'test.episode')!.state).toBe('firing');
  });
});
