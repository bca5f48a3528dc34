/**
 * A first run that looks alive (issue #15): with SIMULATE > 0 and a fresh DATA_DIR, the simulated
 * stations replay the last SIMULATE_BACKFILL_HOURS through ingest before they connect, so the
 * overview shows a VN_AQI, the readings API has 47-hour-old readings and the open data lists
 * values within a minute of the start. A restart does not replay the history again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createValueModel, shapeValue } from '../simulators/models.js';
import { deriveSeed } from '../simulators/prng.js';
import { startTestApp, until, type TestApp } from './helpers/app.js';
import type { OverviewSnapshot } from '../domain/live.js';

const HOUR_MS = 3_600_000;
let t: TestApp | undefined;

afterAll(async () => {
  await t?.close(true);
});

describe('first run with simulation', () => {
  it('shows VN_AQI, 47-hour-old readings and open data within 60 s of a fresh start', async () => {
    const started = Date.now();
    // the live fleet at one reading a second (the history at the profiles' intervals), ingest-time checks on
    t = await startTestApp({ simulate: 3, simulateBackfillHours: 48, simulateIntervalMs: 1000, validation: { ingestChecks: true, scheduleSeconds: 300 } });
    const backfill = t.app.simulation?.backfill;
    expect(backfill?.rows).toBeGreaterThan(10_000);
    expect(backfill?.refused).toBe(0);

    // the overview (the page's first load) has a VN_AQI for an air station
    let overview = (await t.api<OverviewSnapshot>('GET', '/api/v1/overview')).body;
    for (let i = 0; i < 50 && !overview.stations.some((s) => s.profile === 'air-quality' && s.aqi !== null); i++) {
      await new Promise((r) => setTimeout(r, 200));
      overview = (await t.api<OverviewSnapshot>('GET', '/api/v1/overview')).body;
    }
    const air = overview.stations.find((s) => s.profile === 'air-quality' && s.aqi !== null);
    expect(air?.aqi).toBeGreaterThan(0);
    expect(air?.aqiCategory).toBeTruthy();
    expect(overview.kpi.completenessToday).not.toBeNull();

    // readings 47 hours old
    const at = Date.now() - 47 * HOUR_MS;
    const readings = await t.api<{ data: Array<{ ts: string; metric: string; value: number | null }> }>(
      'GET',
      `/api/v1/stations/${air!.id}/readings?metric=pm25&from=${new Date(at - HOUR_MS / 2).toISOString()}&to=${new Date(at + HOUR_MS / 2).toISOString()}`,
    );
    expect(readings.status).toBe(200);
    expect(readings.body.data.length).toBeGreaterThan(30);

    // the open data lists a current value
    const open = await t.api<{ data: Array<{ id: string; index?: { value: number | null } | null }> }>('GET', '/open/v1/stations', undefined, null);
    expect(open.status).toBe(200);
    expect(JSON.stringify(open.body)).toMatch(/"value":\s*\d/);

    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);

  it('goes on from the history: the live readings continue the model the history was computed with (no jump at the handover)', async () => {
    const backfill = t!.app.simulation!.backfill!;
    // SIM-002: a modelled station (SIM-001 replays the real Hanoi PM2.5)
    const station = t!.app.directory.get('SIM-002')!;
    const profile = t!.app.profiles.get(station.profileId)!.profile;
    const metric = Object.keys(profile.metrics)[0]!;
    const url = (from: number, to: number) =>
      `/api/v1/stations/SIM-002/readings?metric=${metric}&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&limit=10000`;
    await until(async () => (await t!.api<{ data: unknown[] }>('GET', url(backfill.to, Date.now() + 60_000))).body.data.length >= 5, 'live readings of SIM-002', 30_000);
    const all = (await t!.api<{ data: Array<{ ts: string; value: number | null }> }>('GET', url(backfill.from, Date.now() + 60_000))).body.data;
    // the same model (seed, zone) sampled at every reading time in order gives every value, history and live alike
    const model = createValueModel(profile, { seed: deriveSeed(1, 'SIM-002'), timeZone: station.timezone });
    const expected = all.map((r) => shapeValue(model.sample(Date.parse(r.ts))[metric]!, profile.metrics[metric]!));
    const live = all.findIndex((r) => Date.parse(r.ts) >= backfill.to);
    expect(live).toBeGreaterThan(100);
    expect(all.slice(live, live + 5).map((r) => r.value)).toEqual(expected.slice(live, live + 5));
    expect(all.slice(live - 5, live).map((r) => r.value)).toEqual(expected.slice(live - 5, live));
  }, 60_000);

  it('does not replay the history again at a restart', async () => {
    const dataDir = t!.dataDir;
    await t!.close();
    t = await startTestApp({ simulate: 3, simulateBackfillHours: 48 }, dataDir);
    expect(t.app.simulation?.backfill).toBeUndefined();
  }, 60_000);
});
