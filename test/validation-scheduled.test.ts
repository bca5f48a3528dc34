/**
 * Scheduled validation checks (issue 18, validation/scheduled.ts): spatial consistency finds a
 * drifting sensor. A real app (embedded TimescaleDB, Aedes) and simulated air stations a few km
 * apart, publishing over MQTT on a manual clock: every station runs the same value model (the same
 * seed: neighbours breathe the same air), and one of them gets the simulators' `drift` fault. A
 * far cluster of three, one of them drifting too, has fewer neighbours than the check needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS } from '../lib/time.js';
import { createSimulatedStation, type SimulatedStation } from '../simulators/station.js';
import { manualClock, profileOf } from '../simulators/testing.js';
import { clearQcFlags, listQcFlags, recordQcFlags } from '../store/qc-flags.js';
import { viewOf, type Db } from '../store/db.js';
import { getEvaluatedThrough } from '../store/qc-scheduled.js';
import { deleteQcConfig, listQcConfig, putQcConfig } from '../store/qc-config.js';
import { createLogger } from '../lib/logger.js';
import { SPATIAL_DEFAULTS, spatialSettings } from '../validation/scheduled-config.js';
import { startQcSchedule } from '../validation/scheduled.js';
import { startTestApp, until, type TestApp } from './helpers/app.js';

const INTERVAL_MS = 5 * 60_000;
const HOURS = 8;
/** The drift starts at the beginning of this hour (index from T0) and adds PER_HOUR µg/m³ an hour. */
const DRIFT_HOUR = 2;
const PER_HOUR = 12;
const silent = { info() {}, warn() {}, error() {}, debug() {} };

// ~1–2 km apart around Hoàn Kiếm; the far cluster ~55 km away (Sơn Tây direction).
const NEAR = [
  { id: 'SP-N1', lat: 21.03, lon: 105.85 },
  { id: 'SP-N2', lat: 21.045, lon: 105.86 },
  { id: 'SP-N3', lat: 21.02, lon: 105.87 },
  { id: 'SP-N4', lat: 21.05, lon: 105.835 },
];
const DRIFTING = { id: 'SP-DRIFT', lat: 21.035, lon: 105.845 };
const FAR = [
  { id: 'SP-FAR-DRIFT', lat: 21.4, lon: 105.5 },
  { id: 'SP-F2', lat: 21.41, lon: 105.51 },
  { id: 'SP-F3', lat: 21.39, lon: 105.49 },
];
const ALL = [...NEAR, DRIFTING, ...FAR];

/** The mean drift over hour `h` of the readings stamped at its 5-minute boundaries. */
function hourlyDrift(h: number): number {
  if (h < DRIFT_HOUR) return 0;
  const n = HOUR_MS / INTERVAL_MS;
  let sum = 0;
  for (let j = 0; j < n; j++) sum += (PER_HOUR * ((h - DRIFT_HOUR) * HOUR_MS + j * INTERVAL_MS)) / HOUR_MS;
  return sum / n;
}

let t: TestApp;
const T0 = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 12 * HOUR_MS;
/** The stations' clock; the app's (the schedule's) stays before their hours until they are over. */
const clock = manualClock(new Date(T0).toISOString());
let appNow = T0 - 60_000;
const stations: SimulatedStation[] = [];
const secrets = new Map<string, string>();
const changes: Array<{ stationId: string; metrics: readonly string[]; from: number; to: number; actor: string }> = [];

beforeAll(async () => {
  t = await startTestApp({ validation: { scheduleSeconds: 10 } }, undefined, { now: () => appNow });
  t.app.bus.on('test', 'validationChanged', (e) => {
    changes.push(e);
  });
  const profile = profileOf('air-quality');
  for (const s of ALL) {
    const { secret } = await t.createStation({ id: s.id, lat: s.lat, lon: s.lon });
    secrets.set(s.id, secret);
    const station = createSimulatedStation({
      url: t.mqttUrl,
      station: { id: s.id, secret, profile },
      intervalMs: INTERVAL_MS,
      seed: 7,
      metrics: ['pm25', 'temp'],
      clock: clock.now,
      logger: silent,
    });
    await station.start();
    stations.push(station);
  }
  const byId = new Map(stations.map((s) => [s.id, s]));
  for (let at = T0; at < T0 + HOURS * HOUR_MS; at += INTERVAL_MS) {
    clock.set(new Date(at).toISOString());
    if (at === T0 + DRIFT_HOUR * HOUR_MS) {
      byId.get(DRIFTING.id)!.inject({ kind: 'drift', metric: 'pm25', perHour: PER_HOUR });
      byId.get('SP-FAR-DRIFT')!.inject({ kind: 'drift', metric: 'pm25', perHour: PER_HOUR });
    }
    await Promise.all(stations.map((s) => s.publishNow()));
  }
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(stations.map((s) => s.close()));
  await t?.close(true);
});

async function flagsOf(stationId: string) {
  return listQcFlags(t.app.store.db, stationId, new Date(T0), new Date(T0 + HOURS * HOUR_MS));
}

async function spatialBits(): Promise<Array<{ station_id: string; metric: string; ts: Date }>> {
  const { rows } = await t.app.store.db.query<{ station_id: string; metric: string; ts: Date }>(
    `SELECT station_id, metric, ts FROM readings WHERE ts >= $1 AND ts < $2 AND (qc & 32) <> 0 ORDER BY station_id, metric, ts`,
    [new Date(T0), new Date(T0 + HOURS * HOUR_MS)],
  );
  return rows;
}

describe('spatial consistency (scheduled)', () => {
  it('flags only the drifting station, and only the hours its drift exceeds the threshold', async () => {
    // The hours are over: the next scheduled run (every 10 s) evaluates them.
    appNow = T0 + HOURS * HOUR_MS + 60_000;
    await until(async () => (await getEvaluatedThrough(t.app.store.db, 'spatial')) === T0 + HOURS * HOUR_MS, 'the scheduled run over the simulated hours', 60_000);
    expect(t.app.qcSchedule.status()).toMatchObject({ consecutiveFailures: 0, lastReport: { ran: true } });

    const limit = SPATIAL_DEFAULTS.minDelta['pm25']!;
    const expectedHours = Array.from({ length: HOURS }, (_, h) => h).filter((h) => hourlyDrift(h) > limit);
    // the set-up means something: some drifting hours stay under the threshold, some exceed it
    expect(expectedHours.length).toBeGreaterThan(0);
    expect(expectedHours[0]).toBeGreaterThan(DRIFT_HOUR);

    const flags = await flagsOf(DRIFTING.id);
    expect(new Set(flags.map((f) => f.metric))).toEqual(new Set(['pm25']));
    expect(flags.every((f) => f.check === 'spatial' && f.version === SPATIAL_DEFAULTS.version)).toBe(true);
    const flaggedHours = [...new Set(flags.map((f) => (f.ts.getTime() - T0) / HOUR_MS).map(Math.floor))];
    expect(flaggedHours).toEqual(expectedHours);
    // every reading of those hours, none outside
    expect(flags).toHaveLength(expectedHours.length * (HOUR_MS / INTERVAL_MS));
    for (const f of flags) {
      const h = Math.floor((f.ts.getTime() - T0) / HOUR_MS);
      expect(f.detail).toMatchObject({ neighbours: NEAR.length, mad: 0, limit });
      expect(Math.abs(Number(f.detail!['mean']) - Number(f.detail!['median']) - hourlyDrift(h))).toBeLessThan(0.1);
    }

    // no other station, not the far drifting one (two neighbours < minNeighbours)
    for (const s of ALL.filter((x) => x.id !== DRIFTING.id)) expect(await flagsOf(s.id)).toEqual([]);
    const bits = await spatialBits();
    expect(bits.map((b) => `${b.station_id} ${b.metric} ${b.ts.getTime()}`)).toEqual(flags.map((f) => `${DRIFTING.id} pm25 ${f.ts.getTime()}`));

    // announced once, for the drifting station's pm25 over the flagged hours
    expect(changes).toEqual([
      expect.objectContaining({
        stationId: DRIFTING.id,
        metrics: ['pm25'],
        from: T0 + expectedHours[0]! * HOUR_MS,
        to: T0 + (expectedHours.at(-1)! + 1) * HOUR_MS,
        actor: 'check:spatial',
      }),
    ]);

    // the raw values are untouched, and the validated hourly aggregate leaves the flagged readings out
    const { rows } = await t.app.store.db.query<{ n_valid: number; n_flagged: number; n_total: number }>(
      `SELECT n_valid, n_flagged, n_total FROM readings_hourly WHERE station_id = $1 AND metric = 'pm25' AND bucket = $2`,
      [DRIFTING.id, new Date(T0 + expectedHours[0]! * HOUR_MS)],
    );
    expect(rows[0]).toMatchObject({ n_valid: 0, n_flagged: HOUR_MS / INTERVAL_MS, n_total: HOUR_MS / INTERVAL_MS });
  });

  it('changes nothing when the same hours are evaluated again', async () => {
    const before = { flags: await flagsOf(DRIFTING.id), bits: await spatialBits(), announced: changes.length };
    const report = await t.app.qcSchedule.runNow();
    expect(report).toMatchObject({ ran: true, stations: 0, flagged: 0, cleared: 0 });
    expect(report.findings).toBeGreaterThan(0);
    // the same rows, down to when they were flagged
    expect(await flagsOf(DRIFTING.id)).toEqual(before.flags);
    expect(await spatialBits()).toEqual(before.bits);
    expect(changes).toHaveLength(before.announced);
  });

  it('does not run while the check is off in every scope, and never judges a station with too few neighbours', async () => {
    const db = t.app.store.db;
    const before = await flagsOf(DRIFTING.id);
    await putQcConfig(db, 'default', { spatial: { enabled: false } }, 'test');
    const off = await t.app.qcSchedule.runNow();
    expect(off).toMatchObject({ ran: false, findings: 0, stations: 0 });
    expect(await flagsOf(DRIFTING.id)).toEqual(before);

    // on again, with a lower bar: the far drifting station still has two neighbours, fewer than three
    await putQcConfig(db, 'default', { spatial: { enabled: true, minDelta: { pm25: 1 } } }, 'test');
    const on = await t.app.qcSchedule.runNow();
    expect(on.ran).toBe(true);
    expect(await flagsOf('SP-FAR-DRIFT')).toEqual([]);
    await putQcConfig(db, 'default', { spatial: { enabled: true, minNeighbours: 2, minDelta: { pm25: 1 } } }, 'test');
    await t.app.qcSchedule.runNow();
    // with two neighbours enough, it is judged (the check can see it): the re-evaluated hours are flagged
    expect((await flagsOf('SP-FAR-DRIFT')).length).toBeGreaterThan(0);
    expect(await flagsOf('SP-F2')).toEqual([]);
    expect(await flagsOf('SP-F3')).toEqual([]);
    await deleteQcConfig(db, 'default');
  });

  it("judges again only the look-back hours that changed on the timer's runs: none while nothing came late, the hour a late reading fell in", async () => {
    const db = t.app.store.db;
    const schedule = startQcSchedule({ db, bus: t.app.bus, logger: t.app.logger, intervalMs: 0, now: () => appNow, watchLateReadings: true });
    try {
      // nothing known yet (as at start-up): the whole look-back, the 3 hours before the mark
      expect(await schedule.runNow({ lookback: 'changed' })).toMatchObject({ ran: true, hours: 3, from: T0 + (HOURS - 3) * HOUR_MS, to: T0 + HOURS * HOUR_MS });
      const quiet = await schedule.runNow({ lookback: 'changed' });
      expect(quiet).toMatchObject({ ran: true, hours: 0, chunks: 0, findings: 0 });
      // an operator's run still judges the whole look-back
      expect((await schedule.runNow()).hours).toBe(3);

      // SP-N1's backlog for the last hour arrives late, over HTTP: 12 readings between its own, 300 µg/m³ higher than theirs
      const late = T0 + (HOURS - 1) * HOUR_MS;
      expect(await flagsOf('SP-N1')).toEqual([]);
      const own = await db.query<{ value: number }>(`SELECT value FROM readings WHERE station_id = 'SP-N1' AND metric = 'pm25' AND ts = $1`, [new Date(late)]);
      const backlog = Array.from({ length: 12 }, (_, k) => ({ ts: new Date(late + INTERVAL_MS / 2 + k * INTERVAL_MS).toISOString(), values: { pm25: own.rows[0]!.value + 300 } }));
      const res = await fetch(`${t.baseUrl}/api/v1/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`SP-N1:${secrets.get('SP-N1')!}`).toString('base64')}` },
        body: JSON.stringify(backlog),
      });
      // 202 only once committed, and committed batches are announced before the answer
      expect(res.status).toBe(202);

      const judged = await schedule.runNow({ lookback: 'changed' });
      expect(judged).toMatchObject({ ran: true, hours: 1, chunks: 1 });
      const flags = await flagsOf('SP-N1');
      expect(flags.length).toBeGreaterThan(0);
      expect(flags.every((f) => f.metric === 'pm25' && f.ts.getTime() >= late && f.ts.getTime() < late + HOUR_MS)).toBe(true);
      expect((await schedule.runNow({ lookback: 'changed' })).hours).toBe(0);
    } finally {
      await schedule.close();
    }
  });

  it('after a failed run judges again the hours that run took, not the whole look-back', async () => {
    const db = t.app.store.db;
    let fail = false;
    const schedule = startQcSchedule({
      db,
      bus: t.app.bus,
      logger: t.app.logger,
      intervalMs: 0,
      now: () => appNow,
      watchLateReadings: true,
      spatialConfig: async () => {
        if (fail) throw new Error('connection terminated');
        return spatialSettings(await listQcConfig(db));
      },
    });
    try {
      expect((await schedule.runNow({ lookback: 'changed' })).hours).toBe(3);
      // one late reading of SP-N2's, like its neighbours' (nothing to flag), two hours back
      const hour = T0 + (HOURS - 2) * HOUR_MS;
      const own = await db.query<{ value: number }>(`SELECT value FROM readings WHERE station_id = 'SP-N2' AND metric = 'pm25' AND ts = $1`, [new Date(hour)]);
      const res = await fetch(`${t.baseUrl}/api/v1/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`SP-N2:${secrets.get('SP-N2')!}`).toString('base64')}` },
        body: JSON.stringify([{ ts: new Date(hour + INTERVAL_MS / 2).toISOString(), values: { pm25: own.rows[0]!.value } }]),
      });
      expect(res.status).toBe(202);
      fail = true;
      await expect(schedule.runNow({ lookback: 'changed' })).rejects.toThrow('connection terminated');
      fail = false;
      expect(await schedule.runNow({ lookback: 'changed' })).toMatchObject({ ran: true, hours: 1, chunks: 1 });
      expect((await schedule.runNow({ lookback: 'changed' })).hours).toBe(0);
    } finally {
      await schedule.close();
    }
  });

  it('writes a station at a time to the same flags as the whole fleet at once: restores a station’s, clears a station found no more', async () => {
    const db = t.app.store.db;
    // the app's own schedule (a timer every 10 s, which judges the whole look-back again after the
    // configuration changed above) stopped: the two runs compared are the only writers, as the app
    // has one schedule (a run of its between the flags lost below and the run compared would
    // restore some of them, and the counts would be its as well)
    await t.app.qcSchedule.close();
    const stored = async () =>
      (
        await db.query<{ station_id: string; metric: string; ts: Date; check_version: number; detail: unknown }>(
          `SELECT station_id, metric, ts, check_version, detail FROM qc_flags WHERE check_code = 'spatial' ORDER BY station_id, metric, ts`,
        )
      ).rows;
    const whole = startQcSchedule({ db, bus: t.app.bus, logger: t.app.logger, intervalMs: 0, now: () => appNow, lookbackHours: HOURS });
    const oneByOne = startQcSchedule({ db, bus: t.app.bus, logger: t.app.logger, intervalMs: 0, now: () => appNow, lookbackHours: HOURS, stationsPerWrite: 1 });
    try {
      await whole.runNow();
      const expected = { flags: await stored(), bits: await spatialBits() };
      expect(new Set(expected.flags.map((f) => f.station_id))).toContain(DRIFTING.id);
      expect(expected.flags.some((f) => f.station_id === 'SP-N2')).toBe(false);

      // the drifting station's flags lost, and a flag on a station nothing is found on
      await clearQcFlags(db, DRIFTING.id, 'spatial', new Date(T0), new Date(T0 + HOURS * HOUR_MS));
      const { rows } = await db.query<{ ts: Date }>(`SELECT ts FROM readings WHERE station_id = 'SP-N2' AND metric = 'pm25' ORDER BY ts LIMIT 1`);
      await recordQcFlags(db, [{ stationId: 'SP-N2', metric: 'pm25', ts: rows[0]!.ts.getTime(), check: 'spatial', version: 1, detail: { stale: true } }]);

      const announced = changes.length;
      expect(await oneByOne.runNow()).toMatchObject({ ran: true, cleared: 1 });
      // the two stations changed, announced as such (the run's 8 hours are two chunks: the drifting station's flags are in both)
      expect(new Set(changes.slice(announced).map((c) => c.stationId))).toEqual(new Set([DRIFTING.id, 'SP-N2']));
      expect(await stored()).toEqual(expected.flags);
      expect(await spatialBits()).toEqual(expected.bits);
      expect(await oneByOne.runNow()).toMatchObject({ stations: 0, flagged: 0, cleared: 0 });
    } finally {
      await whole.close();
      await oneByOne.close();
    }
  });

  it('announces the batches a run wrote before a later batch failed, and the next run finishes the rest', async () => {
    const db = t.app.store.db;
    await t.app.qcSchedule.close(); // the only writer, as above
    // what was flagged, not when (a flag written again has a new time)
    const flagged = async (id: string) => (await flagsOf(id)).map((f) => ({ ...f, flaggedAt: undefined }));
    const before = await flagged(DRIFTING.id);
    expect(before.length).toBeGreaterThan(0);
    // the drifting station's flags lost (its batch comes first), and a stale flag on SP-N2 (the next batch)
    await clearQcFlags(db, DRIFTING.id, 'spatial', new Date(T0), new Date(T0 + HOURS * HOUR_MS));
    const { rows } = await db.query<{ ts: Date }>(`SELECT ts FROM readings WHERE station_id = 'SP-N2' AND metric = 'pm25' ORDER BY ts LIMIT 1`);
    await recordQcFlags(db, [{ stationId: 'SP-N2', metric: 'pm25', ts: rows[0]!.ts.getTime(), check: 'spatial', version: 1, detail: { stale: true } }]);

    // the database is lost while the run reads the stored flags of its second batch
    let reads = 0;
    const failing: Db = viewOf(db, {
      query: (text, params, options) =>
        text.includes('f.check_version AS version') && ++reads === 2 ? Promise.reject(new Error('connection terminated')) : db.query(text, params, options),
      transaction: (fn) => db.transaction(fn),
      lane: () => failing,
      close: async () => {},
    });
    const schedule = startQcSchedule({
      db: failing,
      bus: t.app.bus,
      logger: t.app.logger,
      intervalMs: 0,
      now: () => appNow,
      lookbackHours: HOURS,
      chunkHours: HOURS,
      stationsPerWrite: 1,
    });
    try {
      const announced = changes.length;
      await expect(schedule.runNow()).rejects.toThrow('connection terminated');
      // the first batch was written and announced; the second's stale flag is still there
      expect(await flagged(DRIFTING.id)).toEqual(before);
      expect(changes.slice(announced)).toEqual([expect.objectContaining({ stationId: DRIFTING.id, actor: 'check:spatial' })]);
      expect(await flagsOf('SP-N2')).toHaveLength(1);

      expect(await schedule.runNow()).toMatchObject({ ran: true, stations: 1, cleared: 1, flagged: 0 });
      expect(await flagsOf('SP-N2')).toEqual([]);
      expect(await flagged(DRIFTING.id)).toEqual(before);
    } finally {
      await schedule.close();
    }
  });

  it('logs a failed run and counts it, and the next run picks the hours up', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = createLogger('info', 'test', { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
    let fail = true;
    const schedule = startQcSchedule({
      db: t.app.store.db,
      bus: t.app.bus,
      logger,
      intervalMs: 0,
      now: () => appNow,
      spatialConfig: async () => {
        if (fail) throw new Error('configuration unreadable');
        return spatialSettings();
      },
    });
    await expect(schedule.runNow()).rejects.toThrow('configuration unreadable');
    expect(schedule.status()).toMatchObject({ consecutiveFailures: 1, lastError: 'configuration unreadable' });
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, msg: expect.stringContaining('scheduled checks failed') }));
    fail = false;
    expect((await schedule.runNow()).ran).toBe(true);
    expect(schedule.status()).toMatchObject({ consecutiveFailures: 0, lastError: null });
    await schedule.close();
    await expect(schedule.runNow()).rejects.toMatchObject({ code: 'QT_ERR_SHUTTING_DOWN' });
  });
});
