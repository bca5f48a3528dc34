/**
 * The ingest-time checks (issue 18) with real components: a real app (embedded TimescaleDB, Aedes),
 * simulated stations publishing over real MQTT with a fixed clock, the simulator's fault injection.
 * Each check flags exactly the readings of the injected fault (`readings.qc` and `qc_flags` against
 * the fault's readings) and nothing before or after it; windows flag the readings inside them,
 * scheduled ahead or over the past. And the shipped defaults flag nothing in the normal simulated
 * data of any profile nor in the real Hanoi PM2.5 year.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createSimulatedStation, type SimulatedStation } from '../simulators/index.js';
import type { Fault } from '../simulators/faults.js';
import { createValueModel } from '../simulators/models.js';
import { loadHanoiReplay } from '../simulators/hanoi-replay.js';
import { profileOf } from '../simulators/testing.js';
import { CHECK_BITS, type CheckCode } from '../domain/validation/codes.js';
import { QC_DEFAULTS } from '../domain/validation/config.js';
import { compileStationChecks, createQcEvaluator, type QcRow } from '../ingest/qc-evaluator.js';
import { listQcFlags } from '../store/qc-flags.js';
import { putQcConfig } from '../store/qc-config.js';
import { cancelWindow, createWindow, flagWindow, unflagWindow } from '../store/qc-windows.js';

const MIN = 60_000;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ validation: { ingestChecks: true } });
});
afterAll(async () => {
  await t?.close(true);
});

interface Stored {
  metric: string;
  ts: number;
  qc: number;
  quality: number;
}

async function stored(stationId: string): Promise<Stored[]> {
  const { rows } = await t.app.store.db.query<{ metric: string; ts: Date; qc: number; quality: number }>(
    `SELECT metric, ts, qc, quality FROM readings WHERE station_id = $1 ORDER BY ts, metric`,
    [stationId],
  );
  return rows.map((r) => ({ metric: r.metric, ts: r.ts.getTime(), qc: r.qc, quality: r.quality }));
}

/** "metric@index" of the stored readings that carry `check`'s bit (index = reading number from the start). */
function bitsOf(rows: readonly Stored[], check: CheckCode, start: number, intervalMs: number): string[] {
  return rows.filter((r) => (r.qc & CHECK_BITS[check]) !== 0).map((r) => `${r.metric}@${(r.ts - start) / intervalMs}`);
}

async function flagsOf(stationId: string, check: CheckCode, start: number, intervalMs: number): Promise<string[]> {
  const flags = await listQcFlags(t.app.store.db, stationId, new Date(start), new Date(start + 1000 * intervalMs));
  return flags.filter((f) => f.check === check).map((f) => `${f.metric}@${(f.ts.getTime() - start) / intervalMs}`);
}

interface Drive {
  id: string;
  start: number;
  intervalMs: number;
  station: SimulatedStation;
  clock: { now: () => number; set(ms: number): void };
}

/** A registered station driven by a simulator on a manual clock, starting two days ago on an interval boundary. */
async function simulated(id: string, profile: string, seed = 3): Promise<Drive> {
  const s = await t.createStation({ id, profile });
  const intervalMs = t.app.profiles.get(profile)!.profile.expectedIntervalSeconds * 1000;
  const start = Math.floor((Date.now() - 2 * 86_400_000) / 3_600_000) * 3_600_000;
  // one second past the boundary: the station's own timer (real time) stays a whole interval away
  let now = start + 1000;
  const clock = { now: () => now, set: (ms: number) => (now = ms + 1000) };
  const station = createSimulatedStation({ url: t.mqttUrl, station: { id, secret: s.secret, profile: t.app.profiles.get(profile)!.profile }, seed, clock: clock.now });
  await station.start();
  return { id, start, intervalMs, station, clock };
}

/**
 * Publishes readings 0..n-1, then waits for the flags. A fault `at(i)` is injected just after
 * reading i-1 (one second past its boundary): reading i is its first.
 */
async function publish(d: Drive, n: number, at: (i: number) => Fault | undefined = () => undefined): Promise<void> {
  for (let i = 0; i < n; i++) {
    const fault = at(i);
    if (fault) d.station.inject(fault);
    d.clock.set(d.start + i * d.intervalMs);
    await d.station.publishNow();
  }
  await t.app.ingest.drain();
}

const span = (metric: string, from: number, to: number) => Array.from({ length: to - from }, (_, k) => `${metric}@${from + k}`);

describe('each ingest-time check flags exactly the injected fault', () => {
  it('spike: two readings ×10 on PM2.5 are flagged, not one reading before or after', async () => {
    const d = await simulated('QC-SPIKE', 'air-quality');
    await publish(d, 40, (i) => (i === 25 ? { kind: 'spike', metric: 'pm25', factor: 10, count: 2 } : undefined));
    await d.station.close();
    const rows = await stored(d.id);
    expect(rows).toHaveLength(40 * 12);
    expect(bitsOf(rows, 'spike', d.start, d.intervalMs)).toEqual(span('pm25', 25, 27));
    expect(await flagsOf(d.id, 'spike', d.start, d.intervalMs)).toEqual(span('pm25', 25, 27));
    // whatever else flagged something (PM2.5 ten times PM10 is also a cross-parameter fault), it is the fault's readings
    expect(rows.filter((r) => r.qc !== 0).map((r) => `${r.metric}@${(r.ts - d.start) / d.intervalMs}`)).toEqual(span('pm25', 25, 27));
  });

  it('cross-parameter: PM2.5 tripled (above PM10) for 5 readings is flagged on those readings only', async () => {
    const d = await simulated('QC-CROSS', 'air-quality', 5);
    await publish(d, 40, (i) => (i === 20 ? { kind: 'spike', metric: 'pm25', factor: 3, count: 5 } : undefined));
    await d.station.close();
    const rows = await stored(d.id);
    expect(bitsOf(rows, 'cross', d.start, d.intervalMs)).toEqual(span('pm25', 20, 25));
    const flags = await listQcFlags(t.app.store.db, d.id, new Date(d.start), new Date(d.start + 40 * d.intervalMs));
    const cross = flags.filter((f) => f.check === 'cross');
    expect(cross.map((f) => `${f.metric}@${(f.ts.getTime() - d.start) / d.intervalMs}`)).toEqual(span('pm25', 20, 25));
    expect(cross[0]).toMatchObject({ version: 1, detail: { notAbove: 'pm10' } });
    expect(rows.filter((r) => r.qc !== 0).every((r) => r.metric === 'pm25' && r.ts >= d.start + 20 * d.intervalMs && r.ts < d.start + 25 * d.intervalMs)).toBe(true);
  });

  it('flat line: PM2.5 stuck for 15 readings is flagged whole, with the count a station scope sets (reloaded on qcConfigChanged)', async () => {
    const d = await simulated('QC-STUCK', 'air-quality');
    // PM2.5's own count (a count for every metric would also flag the simulated pressure, flat for 10 readings at some times of day)
    await putQcConfig(t.app.store.db, 'station:QC-STUCK', { flatline: { metrics: { pm25: { count: 10 } } } }, 'test');
    t.app.bus.emit('qcConfigChanged', {});
    await t.app.ingest.drain();
    await publish(d, 45, (i) => (i === 20 ? { kind: 'stuck', metric: 'pm25', durationMs: 15 * MIN } : undefined));
    await d.station.close();
    const rows = await stored(d.id);
    expect(bitsOf(rows, 'flatline', d.start, d.intervalMs)).toEqual(span('pm25', 20, 35));
    const flags = (await listQcFlags(t.app.store.db, d.id, new Date(d.start), new Date(d.start + 45 * d.intervalMs))).filter((f) => f.check === 'flatline');
    expect(flags.map((f) => `${f.metric}@${(f.ts.getTime() - d.start) / d.intervalMs}`)).toEqual(span('pm25', 20, 35));
    // the station scope raised the check's version (its parameters changed), and the flags carry it
    expect(new Set(flags.map((f) => f.version))).toEqual(new Set([2]));
    expect(rows.filter((r) => r.qc !== 0 && (r.qc & CHECK_BITS.flatline) === 0)).toEqual([]);
  });

  it('rate of change: river level raised 3 m for 2 readings is flagged on those two, not on the way back down', async () => {
    const d = await simulated('QC-RATE', 'hydromet');
    await publish(d, 30, (i) => (i === 15 ? { kind: 'spike', metric: 'water_level', add: 3, count: 2 } : undefined));
    await d.station.close();
    const rows = await stored(d.id);
    expect(bitsOf(rows, 'rate', d.start, d.intervalMs)).toEqual(span('water_level', 15, 17));
    expect(await flagsOf(d.id, 'rate', d.start, d.intervalMs)).toEqual(span('water_level', 15, 17));
    expect(rows.filter((r) => r.qc !== 0).map((r) => `${r.metric}@${(r.ts - d.start) / d.intervalMs}`)).toEqual(span('water_level', 15, 17));
  });

  it('calibration: the station status sets quality 1 on its readings; no check flags them nor what follows', async () => {
    const d = await simulated('QC-CALIB', 'air-quality');
    await publish(d, 40, (i) => (i === 20 ? { kind: 'calibration', metrics: ['pm25', 'pm10'], durationMs: 10 * MIN } : undefined));
    await d.station.close();
    const rows = await stored(d.id);
    const calibrating = rows.filter((r) => r.quality === 1).map((r) => `${r.metric}@${(r.ts - d.start) / d.intervalMs}`);
    expect(calibrating.sort()).toEqual([...span('pm10', 20, 30), ...span('pm25', 20, 30)].sort());
    expect(rows.filter((r) => r.qc !== 0)).toEqual([]);
  });
});

describe('scheduled windows', () => {
  it('ahead of time: the readings of its metrics inside it get the window bit at ingest, nothing else does', async () => {
    const d = await simulated('QC-WIN-AHEAD', 'air-quality');
    const w = await createWindow(t.app.store.db, {
      stationId: d.id,
      metrics: ['pm25'],
      from: new Date(d.start + 10 * d.intervalMs),
      to: new Date(d.start + 14 * d.intervalMs),
      kind: 'calibration',
      createdBy: 'test',
    });
    t.app.bus.emit('qcConfigChanged', {});
    await t.app.ingest.drain();
    await publish(d, 20);
    await d.station.close();
    const rows = await stored(d.id);
    expect(bitsOf(rows, 'window', d.start, d.intervalMs)).toEqual(span('pm25', 10, 14));
    expect(rows.filter((r) => r.qc !== 0 && r.qc !== CHECK_BITS.window)).toEqual([]);
    const flags = (await listQcFlags(t.app.store.db, d.id, new Date(d.start), new Date(d.start + 20 * d.intervalMs))).filter((f) => f.check === 'window');
    expect(flags.map((f) => f.detail)).toEqual(Array(4).fill({ windowId: w.id, kind: 'calibration' }));
  });

  it('over the past: flagWindow flags the stored readings inside it (all metrics), unflagWindow clears them', async () => {
    const d = await simulated('QC-WIN-PAST', 'air-quality');
    await publish(d, 20);
    await d.station.close();
    expect((await stored(d.id)).filter((r) => r.qc !== 0)).toEqual([]);
    const w = await createWindow(t.app.store.db, {
      stationId: d.id,
      from: new Date(d.start + 5 * d.intervalMs),
      to: new Date(d.start + 8 * d.intervalMs),
      kind: 'maintenance',
      createdBy: 'test',
    });
    expect(await flagWindow(t.app.store.db, w)).toBe(3 * 12);
    const rows = await stored(d.id);
    const flagged = bitsOf(rows, 'window', d.start, d.intervalMs);
    expect(flagged).toHaveLength(36);
    expect(new Set(flagged.map((f) => f.split('@')[1]))).toEqual(new Set(['5', '6', '7']));
    expect(await flagsOf(d.id, 'window', d.start, d.intervalMs)).toHaveLength(36);
    const cancelled = await cancelWindow(t.app.store.db, w.id, 'test');
    expect(cancelled?.cancelledBy).toBe('test');
    expect(await unflagWindow(t.app.store.db, cancelled!)).toBe(36);
    expect((await stored(d.id)).filter((r) => r.qc !== 0)).toEqual([]);
    expect(await flagsOf(d.id, 'window', d.start, d.intervalMs)).toEqual([]);
  });
});

describe('the shipped defaults flag nothing in normal data', () => {
  const PROFILES = ['air-quality', 'surface-water', 'wastewater', 'hydromet', 'salinity'];

  function flagsOver(profileId: string, start: number, days: number, stepMs: number, sample: (t: number) => Record<string, number> | undefined): string[] {
    const profile = profileOf(profileId);
    const ranges = Object.fromEntries(Object.entries(profile.metrics).map(([k, def]) => [k, def.range]));
    const ev = createQcEvaluator(() => compileStationChecks(QC_DEFAULTS, ranges, []));
    const found: string[] = [];
    for (let ts = start; ts < start + days * 86_400_000; ts += stepMs) {
      const values = sample(ts);
      if (!values) continue;
      const rows: QcRow[] = Object.entries(values).map(([metric, value]) => ({ metric, ts, value, quality: 0 }));
      const out = ev.evaluate('S', rows);
      for (const f of out?.flags ?? []) found.push(`${new Date(f.ts).toISOString()} ${f.check} ${f.metric} ${JSON.stringify(f.detail)}`);
      for (const r of out?.ranges ?? []) found.push(`${new Date(r.from).toISOString()} ${r.check} ${r.metrics?.join()}`);
    }
    return found;
  }

  for (const profileId of PROFILES) {
    it(`${profileId}: a dry-season and a wet-season day of the simulator's model`, () => {
      const profile = profileOf(profileId);
      for (const day of ['2026-01-15T00:00:00+07:00', '2026-07-20T00:00:00+07:00']) {
        const model = createValueModel(profile, { seed: 11 });
        expect(flagsOver(profileId, Date.parse(day), 1, profile.expectedIntervalSeconds * 1000, (ts) => model.sample(ts))).toEqual([]);
      }
    });
  }

  it('the real Hanoi PM2.5 year (2018, US Embassy), replayed minute by minute as a station would send it', async () => {
    const replay = await loadHanoiReplay();
    const start = Date.parse('2026-01-01T00:00:00+07:00');
    let readings = 0;
    const found = flagsOver('air-quality', start, 365, MIN, (ts) => {
      const v = replay.valueAt(ts);
      if (v === undefined) return undefined;
      readings++;
      return { pm25: Math.round(v * 10) / 10 };
    });
    expect(readings).toBeGreaterThan(400_000);
    expect(found).toEqual([]);
  });
});
