/**
 * The data validation API (issue 18) on the real app, the real embedded TimescaleDB and real HTTP:
 * an air station publishes through the real broker (so the alert engine stores its VN_AQI), a
 * reviewer invalidates an hour of PM2.5 → the analysts' hourly aggregate, the stored VN_AQI and
 * the open API exclude it while the raw readings and the history (counts before/after) still show
 * it; undo puts it back; restoring a check-flagged reading makes it count; approvals follow the
 * level rules (the same person cannot give both levels); every bad input of the contract gets its
 * 400 and changes nothing; viewers and operators cannot act; the monthly report (JSON and CSV)
 * has the counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate, localMonth } from '../lib/time.js';
import { refreshAggregate } from '../store/analytics.js';
import { recordQcFlags } from '../store/qc-flags.js';
import { localIso, startTestApp, type TestApp } from './helpers/app.js';
import { parseCsvRecords } from './helpers/csv.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const TZ = 'Asia/Ho_Chi_Minh';
const ID = 'VA-1';

let t: TestApp;
let reviewer: string;
let reviewer2: string;
let viewer: string;
let operator: string;
/** start of the first seeded hour (3 hours of readings: [BASE, BASE + 3 h), PM2.5 150 in the second) */
let BASE: number;

interface ActionJson {
  id: number;
  action: string;
  metrics: string[];
  reason: string | null;
  username: string;
  undoes: number | null;
  undoneBy: number | null;
  rowsAffected: number;
  before: Record<string, Record<string, number>>;
  after: Record<string, Record<string, number>>;
}
interface ErrorJson {
  error: { code: string; message: string };
}

const enc = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
const pm25At = (ts: number) => (ts >= BASE + HOUR && ts < BASE + 2 * HOUR ? 150 : 30 + ((ts / (5 * MIN)) % 4) * 0.5);
const pm10At = (ts: number) => 40 + ((ts / (5 * MIN)) % 3);

async function hourly(metric: string, agg = 'avg,count'): Promise<Array<{ ts: string; values: Record<string, number | null>; coverage: Record<string, number> }>> {
  const res = await t.api<{ series: Array<{ data: Array<{ ts: string; values: Record<string, number | null>; coverage: Record<string, number> }> }> }>(
    'GET',
    `/api/v1/stations/${ID}/readings?metric=${metric}&bucket=1h&agg=${agg}&from=${enc(BASE)}&to=${enc(BASE + 3 * HOUR)}`,
  );
  expect(res.status).toBe(200);
  return res.body.series[0]!.data;
}

async function storedAqi(): Promise<number[]> {
  const res = await t.api<{ data: Array<{ ts: string; aqi: number }> }>('GET', `/api/v1/stations/${ID}/aqi?period=hour&from=${enc(BASE)}&to=${enc(BASE + 4 * HOUR)}`);
  expect(res.status).toBe(200);
  return res.body.data.map((d) => d.aqi);
}

async function openPm25(): Promise<Array<{ start: string; avg: number | null }>> {
  const res = await fetch(`${t.baseUrl}/open/v1/stations/${ID}/hourly?metric=pm25&from=${enc(BASE)}&to=${enc(BASE + 3 * HOUR)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Array<{ start: string; avg: number | null }> }).data;
}

/** Every reading's review state of the station (the review series), to compare before and after a refused request. */
async function reviewStates(): Promise<string> {
  const res = await t.api<{ metrics: Array<{ metric: string; ts: number[]; review: number[]; qc: number[] }> }>(
    'GET',
    `/api/v1/stations/${ID}/validation/series?from=${enc(BASE - HOUR)}&to=${enc(BASE + 3 * HOUR)}`,
    undefined,
    viewer,
  );
  expect(res.status).toBe(200);
  return JSON.stringify(res.body.metrics.map((m) => [m.metric, m.ts, m.review]));
}

function act(body: Record<string, unknown>, token = reviewer) {
  return t.api<{ action: ActionJson } & ErrorJson>('POST', `/api/v1/stations/${ID}/validation/actions`, body, token);
}

beforeAll(async () => {
  t = await startTestApp({ open: { cacheSeconds: 0 } });
  reviewer = await t.userToken('rev-one', 'reviewer');
  reviewer2 = await t.userToken('rev-two', 'reviewer');
  viewer = await t.userToken('va-viewer', 'viewer');
  operator = await t.userToken('va-operator', 'operator');
  // the ingest-time checks off for this station, so that the seeded hour of 150 µg/m³ is not flagged as a spike
  const off = { enabled: false };
  const put = await t.api('PUT', `/api/v1/validation/config/station:${ID}`, { spike: off, flatline: off, rate: off, cross: off }, reviewer);
  expect(put.status).toBe(200);
  const s = await t.createStation({ id: ID });
  const client = await t.connectStation(s.id, s.secret);
  BASE = Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR;
  const readings = [];
  for (let ts = BASE; ts < BASE + 3 * HOUR; ts += 5 * MIN) readings.push({ ts: localIso(ts), values: { pm25: pm25At(ts), pm10: pm10At(ts) } });
  await client.publishAsync(`stations/${ID}/readings`, JSON.stringify(readings), { qos: 1 });
  await t.app.ingest.drain();
  await t.app.alerts.idle();
}, 120_000);

afterAll(async () => {
  await t?.close(true);
});

describe('a reviewer invalidates an hour of PM2.5, then undoes it', () => {
  let actionId = 0;

  it('before: the hourly aggregate, the stored VN_AQI and the open API count the hour of 150 µg/m³', async () => {
    expect((await hourly('pm25')).find((b) => Date.parse(b.ts) === BASE + HOUR)?.values['avg']).toBe(150);
    expect(Math.max(...(await storedAqi()))).toBeGreaterThan(100);
    expect((await openPm25()).some((b) => b.avg === 150)).toBe(true);
  });

  it('after invalidating: all three exclude it; the raw readings and the history still show it', async () => {
    const res = await act({
      action: 'invalidate',
      metrics: ['pm25'],
      from: new Date(BASE + HOUR).toISOString(),
      to: new Date(BASE + 2 * HOUR).toISOString(),
      reason: 'instrument_fault',
      comment: 'optics fouled',
    });
    expect(res.status).toBe(201);
    const a = res.body.action;
    actionId = a.id;
    expect(a).toMatchObject({ action: 'invalidate', metrics: ['pm25'], reason: 'instrument_fault', username: 'rev-one', undoes: null, undoneBy: null, rowsAffected: 12 });
    expect(a.before['pm25']).toEqual({ valid: 12, flagged: 0, invalidated: 0, restored: 0, stationFlag: 0 });
    expect(a.after['pm25']).toEqual({ valid: 0, flagged: 0, invalidated: 12, restored: 0, stationFlag: 0 });

    const bucket = (await hourly('pm25')).find((b) => Date.parse(b.ts) === BASE + HOUR)!;
    expect(bucket.values['avg']).toBeNull();
    expect(bucket.values['count']).toBe(0);
    expect((await hourly('pm25')).find((b) => Date.parse(b.ts) === BASE)?.values['count']).toBe(12);
    expect(Math.max(...(await storedAqi()))).toBeLessThan(100);
    expect((await openPm25()).some((b) => b.avg === 150)).toBe(false);

    const raw = await t.api<{ data: Array<{ value: number }> }>('GET', `/api/v1/stations/${ID}/readings?metric=pm25&from=${enc(BASE + HOUR)}&to=${enc(BASE + 2 * HOUR)}`);
    expect(raw.body.data.map((r) => r.value)).toEqual(Array(12).fill(150));
    const history = await t.api<{ actions: ActionJson[] }>('GET', `/api/v1/stations/${ID}/validation`, undefined, viewer);
    expect(history.body.actions[0]).toMatchObject({ id: actionId, before: a.before, after: a.after });
    const series = await t.api<{ metrics: Array<{ metric: string; value: number[]; review: number[] }> }>(
      'GET',
      `/api/v1/stations/${ID}/validation/series?metrics=pm25&from=${enc(BASE + HOUR)}&to=${enc(BASE + 2 * HOUR)}`,
      undefined,
      viewer,
    );
    expect(series.body.metrics[0]).toMatchObject({ metric: 'pm25', value: Array(12).fill(150), review: Array(12).fill(13) }); // 10 + instrument_fault
  });

  it('reports the month per metric (JSON and CSV) and in the all-stations summary', async () => {
    const month = localMonth(BASE + HOUR, TZ);
    const inMonth = (ts: number) => localMonth(ts, TZ) === month;
    let pm25Total = 0;
    for (let ts = BASE; ts < BASE + 3 * HOUR; ts += 5 * MIN) if (inMonth(ts)) pm25Total++;
    const res = await t.api<{ timezone: string; level: number; metrics: Array<Record<string, unknown> & { metric: string }>; days: Array<{ day: string; level: number }> }>(
      'GET',
      `/api/v1/stations/${ID}/validation/report?month=${month}`,
      undefined,
      viewer,
    );
    expect(res.status).toBe(200);
    expect(res.body.timezone).toBe(TZ);
    const pm25 = res.body.metrics.find((m) => m.metric === 'pm25')!;
    expect(pm25).toMatchObject({ total: pm25Total, valid: pm25Total - 12, invalidatedAny: 12, flaggedAny: 0, restored: 0 });
    expect(pm25['invalidated']).toMatchObject({ instrument_fault: 12, calibration: 0 });
    const expected = pm25['expected'] as number;
    expect(expected).toBeGreaterThan(0);
    expect(pm25['completeness']).toBeCloseTo((pm25Total - 12) / expected, 3);
    expect(res.body.metrics.find((m) => m.metric === 'so2')).toMatchObject({ total: 0, valid: 0, expected });
    expect(res.body.days[0]!.day).toBe(`${month}-01`);

    const csv = await t.inject<string>('GET', `/api/v1/stations/${ID}/validation/report?month=${month}`, undefined, viewer, { accept: 'text/csv' });
    expect(csv.status).toBe(200);
    expect(String(csv.headers['content-type'])).toContain('text/csv');
    expect(csv.body.startsWith('\uFEFF')).toBe(true);
    const rows = parseCsvRecords(csv.body.slice(1));
    const row = rows.find((r) => r['metric'] === 'pm25')!;
    expect(row).toMatchObject({
      station: ID,
      month,
      timezone: TZ,
      total: String(pm25Total),
      valid: String(pm25Total - 12),
      invalidated_instrument_fault: '12',
      expected: String(expected),
    });

    const summary = await t.api<{ stations: Array<Record<string, unknown>> }>('GET', `/api/v1/validation/report?month=${month}`, undefined, viewer);
    const mine = summary.body.stations.find((s) => s['stationId'] === ID)!;
    const sum = (k: string) => res.body.metrics.reduce((n, m) => n + (m[k] as number), 0);
    expect(mine).toMatchObject({ total: sum('total'), valid: sum('valid'), expected: sum('expected'), invalidatedAny: 12, level: 0 });
    const summaryCsv = parseCsvRecords(((await t.inject<string>('GET', `/api/v1/validation/report?month=${month}&format=csv`, undefined, viewer)).body as string).slice(1));
    expect(summaryCsv.find((r) => r['station'] === ID)).toMatchObject({ total: String(sum('total')), invalidated: '12' });
  });

  it('undo puts back exactly what was there, once', async () => {
    const res = await t.api<{ action: ActionJson }>('POST', `/api/v1/stations/${ID}/validation/actions/${actionId}/undo`, { comment: 'wrong hour' }, reviewer2);
    expect(res.status).toBe(201);
    expect(res.body.action).toMatchObject({ action: 'undo', undoes: actionId, username: 'rev-two', rowsAffected: 12 });
    expect(res.body.action.after['pm25']).toEqual({ valid: 12, flagged: 0, invalidated: 0, restored: 0, stationFlag: 0 });
    expect((await hourly('pm25')).find((b) => Date.parse(b.ts) === BASE + HOUR)?.values['avg']).toBe(150);
    expect(Math.max(...(await storedAqi()))).toBeGreaterThan(100);
    const history = await t.api<{ actions: ActionJson[] }>('GET', `/api/v1/stations/${ID}/validation`, undefined, viewer);
    expect(history.body.actions.find((a) => a.id === actionId)?.undoneBy).toBe(res.body.action.id);
    const again = await t.api<ErrorJson>('POST', `/api/v1/stations/${ID}/validation/actions/${actionId}/undo`, {}, reviewer);
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'QT_ERR_CONFLICT' } } });
  });

  it('an undo restores the prior states of readings an earlier action had changed', async () => {
    const range = { metrics: ['pm10'], from: new Date(BASE).toISOString(), to: new Date(BASE + HOUR).toISOString() };
    const first = await act({ ...range, action: 'invalidate', reason: 'calibration' });
    const second = await act({ ...range, to: new Date(BASE + 30 * MIN).toISOString(), action: 'invalidate', reason: 'interference' });
    expect(second.body.action.before['pm10']).toMatchObject({ invalidated: 6 });
    expect((await t.api<ErrorJson>('POST', `/api/v1/stations/${ID}/validation/actions/${first.body.action.id}/undo`, {}, reviewer)).body.error.code).toBe('QT_ERR_CONFLICT');
    await t.api('POST', `/api/v1/stations/${ID}/validation/actions/${second.body.action.id}/undo`, {}, reviewer);
    const states = await t.api<{ metrics: Array<{ review: number[] }> }>('GET', `/api/v1/stations/${ID}/validation/series?metrics=pm10&from=${range.from}&to=${range.to}`);
    expect(states.body.metrics[0]!.review).toEqual(Array(12).fill(10)); // calibration again, as before the second action
    await t.api('POST', `/api/v1/stations/${ID}/validation/actions/${first.body.action.id}/undo`, {}, reviewer);
    const back = await t.api<{ metrics: Array<{ review: number[] }> }>('GET', `/api/v1/stations/${ID}/validation/series?metrics=pm10&from=${range.from}&to=${range.to}`);
    expect(back.body.metrics[0]!.review).toEqual(Array(12).fill(0));
  });
});

describe('restoring a check-flagged reading', () => {
  it('makes it count in the aggregates again', async () => {
    const ts = BASE + 2 * HOUR + 30 * MIN;
    await recordQcFlags(t.app.store.db, [{ stationId: ID, metric: 'pm10', ts, check: 'spike', version: 1, detail: { test: true } }]);
    await refreshAggregate(t.app.store.db, 'readings_hourly', new Date(BASE), new Date(BASE + 3 * HOUR));
    const count = async () => (await hourly('pm10', 'count')).find((b) => Date.parse(b.ts) === BASE + 2 * HOUR)!.values['count'];
    expect(await count()).toBe(11);
    const series = await t.api<{ flags: Array<{ metric: string; ts: string; check: string }> }>(
      'GET',
      `/api/v1/stations/${ID}/validation/series?metrics=pm10&from=${enc(ts)}&to=${enc(ts + MIN)}`,
    );
    expect(series.body.flags).toEqual([expect.objectContaining({ metric: 'pm10', ts: new Date(ts).toISOString(), check: 'spike' })]);
    const res = await act({ action: 'restore', metrics: ['pm10'], from: new Date(ts).toISOString(), to: new Date(ts + MIN).toISOString(), comment: 'real event' });
    expect(res.status).toBe(201);
    expect(res.body.action).toMatchObject({ rowsAffected: 1, reason: null });
    expect(res.body.action.before['pm10']).toEqual({ valid: 0, flagged: 1, invalidated: 0, restored: 0, stationFlag: 0 });
    expect(res.body.action.after['pm10']).toEqual({ valid: 0, flagged: 0, invalidated: 0, restored: 1, stationFlag: 0 });
    expect(await count()).toBe(12);
  });
});

describe('approvals', () => {
  const yesterday = () => addDays(localDate(Date.now(), TZ), -1);
  const approve = (body: Record<string, unknown>, token: string) =>
    t.api<{ approval: Record<string, unknown> } & ErrorJson>('POST', `/api/v1/stations/${ID}/validation/approvals`, body, token);
  const current = async () =>
    (
      await t.api<{ approvals: Array<{ period: string; level: number; revokedAt: string | null }> }>('GET', `/api/v1/stations/${ID}/validation`, undefined, viewer)
    ).body.approvals.filter((a) => a.revokedAt === null);

  it('level 2 needs level 1 first, by another reviewer; the day level follows; a later change revokes both', async () => {
    const day = yesterday();
    expect((await approve({ period: day, level: 2 }, reviewer)).body.error.code).toBe('QT_ERR_APPROVAL_ORDER');
    const first = await approve({ period: day, level: 1, comment: 'looked at it' }, reviewer);
    expect(first.status).toBe(201);
    expect(first.body.approval).toMatchObject({ period: day, kind: 'day', level: 1, username: 'rev-one' });
    const same = await approve({ period: day, level: 2 }, reviewer);
    expect(same).toMatchObject({ status: 400, body: { error: { code: 'QT_ERR_APPROVAL_SAME_USER' } } });
    expect((await current()).map((a) => a.level)).toEqual([1]);
    expect((await approve({ period: day, level: 1 }, reviewer2)).body.error.code).toBe('QT_ERR_CONFLICT');
    expect((await approve({ period: day, level: 2 }, reviewer2)).status).toBe(201);
    const dayRange = `from=${encodeURIComponent(`${day}T00:00:00+07:00`)}&to=${encodeURIComponent(`${addDays(day, 1)}T00:00:00+07:00`)}`;
    const levels = await t.api<{ levels: Array<{ day: string; level: number }> }>('GET', `/api/v1/stations/${ID}/validation/series?metrics=pm25&${dayRange}`);
    expect(levels.body.levels).toEqual([{ day, level: 2 }]);
    expect((await approve({ period: localDate(Date.now(), TZ), level: 1 }, reviewer)).body.error.code).toBe('QT_ERR_VALIDATION_FUTURE');

    const change = await act({ action: 'invalidate', metrics: ['rh'], from: `${day}T10:00:00+07:00`, to: `${day}T11:00:00+07:00`, reason: 'maintenance' });
    expect(change.status).toBe(201);
    expect(await current()).toEqual([]);
    const after = await t.api<{ levels: Array<{ day: string; level: number }> }>('GET', `/api/v1/stations/${ID}/validation/series?metrics=pm25&${dayRange}`);
    expect(after.body.levels).toEqual([{ day, level: 0 }]);
  });
});

describe('refusals', () => {
  it('answers each bad input with its 400 and code, and changes nothing', async () => {
    const before = await reviewStates();
    const actionsBefore = (await t.api<{ actions: unknown[] }>('GET', `/api/v1/stations/${ID}/validation`)).body.actions.length;
    const ok = { action: 'invalidate', metrics: ['pm25'], from: new Date(BASE).toISOString(), to: new Date(BASE + HOUR).toISOString(), reason: 'other' };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...ok, reason: 'gremlins' }, 'QT_ERR_VALIDATION_REASON'],
      [{ ...ok, reason: undefined }, 'QT_ERR_VALIDATION_REASON'],
      [{ ...ok, to: new Date(Date.now() + HOUR).toISOString() }, 'QT_ERR_VALIDATION_FUTURE'],
      [{ ...ok, metrics: ['pm25', 'cod'] }, 'QT_ERR_METRIC_UNKNOWN'],
      [{ ...ok, from: ok.to }, 'QT_ERR_RANGE_INVALID'],
      [{ ...ok, from: new Date(BASE - 400 * 24 * HOUR).toISOString() }, 'QT_ERR_RANGE_TOO_LARGE'],
    ];
    for (const [body, code] of cases) {
      const res = await act(body);
      expect([res.status, res.body.error?.code], JSON.stringify(body)).toEqual([400, code]);
    }
    expect(await reviewStates()).toBe(before);
    expect((await t.api<{ actions: unknown[] }>('GET', `/api/v1/stations/${ID}/validation`)).body.actions.length).toBe(actionsBefore);
  });

  it('refuses viewers and operators (403), and an invalid check configuration names the field', async () => {
    const body = { action: 'invalidate', metrics: ['pm25'], from: new Date(BASE).toISOString(), to: new Date(BASE + HOUR).toISOString(), reason: 'other' };
    const before = await reviewStates();
    for (const token of [viewer, operator]) expect((await act(body, token)).status).toBe(403);
    expect(await reviewStates()).toBe(before);
    const bad = await t.api<ErrorJson & { error: { details: { errors: Array<{ path: string }> } } }>('PUT', '/api/v1/validation/config/default', { spike: { kk: 3 } }, reviewer);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('QT_ERR_QC_CONFIG_INVALID');
    expect(bad.body.error.details.errors.map((e) => e.path)).toContain('/spike/kk');
  });
});
