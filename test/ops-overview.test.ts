/**
 * The operations center's KPIs mean what they say (issue #15): a station that just connected is
 * connected and online, not "disconnected"; readings per minute over 5 minutes; today's
 * completeness on the overview equals GET /api/v1/completeness for the same station and day; and
 * alerts carry their value's unit without the rule packs' verification tags.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localIso, startTestApp, tempDataDir, type TestApp } from './helpers/app.js';
import { insertReadings, type ReadingColumns } from '../store/readings.js';
import type { AlertJson, OverviewSnapshot, StationLive } from '../domain/live.js';
import { REFRESH_GROUP, createCompletenessTracker, percentOf } from '../api/realtime/completeness.js';
import { localMidnight } from '../lib/time.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close(true);
});

const overview = async () => (await t.api<OverviewSnapshot>('GET', '/api/v1/overview')).body;
const stationIn = (o: OverviewSnapshot, id: string) => o.stations.find((s) => s.id === id) as StationLive;

interface CompletenessRow {
  station: string;
  expected: number;
  excluded: { calibrating: number; fault: number; maintenance: number };
  valid: number;
}

/** The API's rows of today for `id` from `app`, summed over metrics the way the overview sums them. */
async function apiToday(id: string, app: TestApp = t): Promise<{ percent: number | null; valid: number }> {
  const from = new Date(localMidnight(Date.now())).toISOString();
  const res = await app.api<{ data: CompletenessRow[] }>('GET', `/api/v1/completeness?stations=${id}&from=${from}&to=${new Date().toISOString()}`);
  expect(res.status).toBe(200);
  let valid = 0;
  let measuring = 0;
  for (const r of res.body.data) {
    valid += r.valid;
    measuring += Math.max(0, r.expected - r.excluded.calibrating - r.excluded.fault - r.excluded.maintenance);
  }
  return { percent: percentOf(valid, measuring), valid };
}

const apiPercentToday = async (id: string) => (await apiToday(id)).percent;

describe('overview KPIs', () => {
  it('counts a station that just connected as connected and online, not disconnected', async () => {
    const s = await t.createStation({ id: 'OV-NEW', profile: 'hydromet' });
    const before = stationIn(await overview(), s.id);
    expect(before).toMatchObject({ state: 'offline', connected: false, reporting: false });
    await t.connectStation(s.id, s.secret);
    let o = await overview();
    for (let i = 0; i < 40 && !stationIn(o, s.id).connected; i++) {
      await new Promise((r) => setTimeout(r, 50));
      o = await overview();
    }
    expect(stationIn(o, s.id)).toMatchObject({ state: 'online', connected: true, reporting: false });
    expect(o.kpi.stations.connected).toBeGreaterThanOrEqual(1);
    expect(o.kpi.stations.online + o.kpi.stations.stale + o.kpi.stations.offline).toBe(o.kpi.stations.total);
  });

  it('gives readings per minute, and the completeness of the analyst API for the same station and day', async () => {
    const s = await t.createStation({ id: 'OV-AQ' });
    const client = await t.connectStation(s.id, s.secret);
    const now = Date.now();
    const midnight = localMidnight(now);
    // a few readings of today (one out of range: received, not valid), at most one per minute
    const times = [1, 2, 3, 4].map((m) => now - m * 60_000).filter((ts) => ts >= midnight);
    for (const [i, ts] of times.entries()) {
      await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(ts), values: { pm25: i === 0 ? 5000 : 20 + i, pm10: 40 } }), { qos: 1 });
    }
    await t.app.ingest.drain();
    await new Promise((r) => setTimeout(r, 1100)); // the rate counts complete seconds
    const o = await overview();
    expect(o.kpi.readingsPerMinute).toBeGreaterThan(0);
    expect(o.kpi.readingsPerSecond).toBeCloseTo(o.kpi.readingsPerMinute / 60, 1);
    // an interval boundary may pass between the two requests: then ask both again
    let shown = stationIn(o, s.id).completenessToday;
    let api = await apiPercentToday(s.id);
    if (shown !== api) {
      shown = stationIn(await overview(), s.id).completenessToday;
      api = await apiPercentToday(s.id);
    }
    expect(api).not.toBeNull();
    expect(shown).toBe(api);
  });
});

describe('alerts as operators see them', () => {
  it('carry the unit of their value and no verification markers', async () => {
    const s = await t.createStation({ id: 'OV-ALERT' });
    const rule = {
      id: 'ov.pm25',
      name: { en: 'PM2.5 high', vi: 'PM2,5 cao' },
      kind: 'threshold',
      scope: { station: s.id },
      metric: 'pm25',
      severity: 'warning',
      op: 'above',
      raise: 100,
      clear: 80,
      over: 'raw',
      source: 'QCVN 05:2023/BTNMT [V]; checked [C = corroborated]',
    };
    expect((await t.api('POST', '/api/v1/rules', rule)).status).toBe(201);
    const client = await t.connectStation(s.id, s.secret);
    await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(Date.now() - 1000), values: { pm25: 300 } }), { qos: 1 });
    await t.app.ingest.drain();
    await t.app.alerts.idle();
    const res = await t.api<{ data: AlertJson[] }>('GET', `/api/v1/alerts?station=${s.id}`);
    const alert = res.body.data.find((a) => a.rule === 'ov.pm25');
    expect(alert).toMatchObject({ value: 300, unit: 'µg/m³' });
    expect(alert!.message.en).toContain('QCVN 05:2023/BTNMT');
    for (const text of [alert!.message.en, alert!.message.vi]) expect(text).not.toMatch(/\[[VCMU]( = [a-z]+)?\]/);
  });
});

describe("today's completeness of a fleet larger than one refresh group", () => {
  it("reads every station's counts at start, the last group's too, as the analyst API gives them", async () => {
    const dataDir = tempDataDir();
    let app = await startTestApp({}, dataDir);
    try {
      // two groups of the refresh and half of a third, registered and written straight into the
      // database as another node would have: only the refresh at start sees their readings
      const ids = Array.from({ length: 2 * REFRESH_GROUP + Math.ceil(REFRESH_GROUP / 2) }, (_, i) => `OVF-${String(i).padStart(4, '0')}`);
      await app.app.store.db.query(
        `INSERT INTO stations (id, name, profile_id, lat, lon, province, timezone, simulated, attributes)
         SELECT id, id, 'air-quality', 21.0, 105.8, 'Hà Nội', 'Asia/Ho_Chi_Minh', false, '{}'::jsonb FROM unnest($1::text[]) AS id`,
        [ids],
      );
      const now = Date.now();
      const times = [1, 2, 3].map((m) => now - m * 60_000).filter((ts) => ts >= localMidnight(now));
      const cols: ReadingColumns = { stationIds: [], metrics: [], ts: [], values: [], quality: [] };
      // station i has 1, 2 or 3 readings of today: their percents differ
      ids.forEach((id, i) => {
        for (const ts of times.slice(0, (i % 3) + 1)) {
          cols.stationIds.push(id);
          cols.metrics.push('pm25');
          cols.ts.push(new Date(ts).toISOString());
          cols.values.push(20);
          cols.quality.push(0);
        }
      });
      await insertReadings(app.app.store.db, cols);
      await app.close();
      app = await startTestApp({}, dataDir);

      const shownAndApi = async (id: string) => {
        const o = (await app.api<OverviewSnapshot>('GET', '/api/v1/overview')).body;
        const { percent, valid } = await apiToday(id, app);
        return { shown: stationIn(o, id).completenessToday, api: percent, valid };
      };
      // the first and last of each group
      for (const id of [ids[0]!, ids[REFRESH_GROUP - 1]!, ids[REFRESH_GROUP]!, ids[2 * REFRESH_GROUP]!, ids.at(-1)!]) {
        let got = await shownAndApi(id);
        // an interval boundary may pass between the two requests: then ask both again
        if (got.shown !== got.api) got = await shownAndApi(id);
        expect(got.shown, id).toBe(got.api);
        if (times.length > 0) expect(got.valid, id).toBeGreaterThan(0);
      }

      // a refresh asked while one is under way (a slow minute) joins it: one pass, one statement a group
      const { store, config, profiles, directory } = app.app;
      const tracker = createCompletenessTracker({ db: store.db, config, profiles, directory, now: Date.now });
      const statements = () => store.db.gate.holdsByLabel().get('completeness')?.count ?? 0;
      const before = statements();
      await Promise.all([tracker.refresh(), tracker.refresh()]);
      expect(tracker.lastStatements).toBeGreaterThan(0);
      expect(statements() - before).toBe(tracker.lastStatements);
      const last = ids.at(-1)!;
      expect(tracker.stationPercent(directory.get(last)!, Date.now())).toBe((await shownAndApi(last)).api);
    } finally {
      await app.close(true);
    }
  });
});
