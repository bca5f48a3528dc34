/**
 * Data validation benchmark (issue 18: "invalidating one metric of one station for a month, then
 * reading that month's daily aggregates and AQI back, takes under 5 s on the embedded database
 * with one reading a minute"): `npx tsx bench/validation.ts` (`--quick`: 3 metrics instead of the
 * profile's 12). Runs in `npm run bench` (bench/all.ts).
 *
 * A fresh embedded database; one air station with one reading a minute of every metric over the
 * last whole local month, seeded with insertReadings; the database's policy jobs run (the month's
 * older chunks compressed, the aggregates materialized, as on a live system) and the month's
 * stored indices computed. Then, timed:
 *   1. PM2.5 invalidated for the whole month through the validation service (the UPDATE with its
 *      before/after counts, the aggregates' refresh, the indices' recomputation);
 *   2. the month's daily aggregates of every metric read back through the analysts' API;
 *   3. the month's daily VN_AQI read back through the API;
 * and the total. Then the same change on PM10 split into its parts (store UPDATE, aggregate
 * refresh, index recomputation) to show where the time goes.
 */
import { rmSync } from 'node:fs';
import { recomputeIndices } from '../alerts/recompute.js';
import { createApp } from '../app.js';
import { addMonths, localMonth, localMonthRange } from '../lib/time.js';
import { refreshAggregate } from '../store/analytics.js';
import { insertReadings, type ReadingColumns } from '../store/readings.js';
import { aggregateWatermarks, applyReview } from '../store/validation.js';
import { tempDataDir } from '../test/helpers/app.js';
import { aggregateWindows, touchedPeriods } from '../validation/periods.js';

const quick = process.argv.includes('--quick');
const MIN = 60_000;
const TZ = 'Asia/Ho_Chi_Minh';
const ID = 'B-VAL';
const PASSWORD = 'bench-admin-password';
const TYPICAL: Record<string, number> = { pm25: 22, pm10: 40, tsp: 60, so2: 15, no2: 30, co: 900, o3: 50, temp: 28, rh: 75, pressure: 1008, wind_speed: 2.5, wind_dir: 180 };

const log = (msg: string) => console.log(`[bench validation ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, performance.now() - t0];
}

const dataDir = tempDataDir();
const app = await createApp({
  dataDir,
  host: '127.0.0.1',
  mqtt: { port: 0 },
  http: { port: 0 },
  simulate: 0,
  logLevel: 'warn',
  adminPassword: PASSWORD,
  alerts: { tickMs: 0, indexThrottleMs: 0 },
  automation: { enabled: false },
  bulletins: { enabled: false },
  analytics: { rateLimitPerMinute: 1_000_000 },
});
const base = `http://127.0.0.1:${app.ports.http}`;
let failed = false;
try {
  const login = (await (
    await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) })
  ).json()) as { token: string };
  const auth = { authorization: `Bearer ${login.token}` };
  const created = await fetch(`${base}/api/v1/stations`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ id: ID, name: 'Bench validation', profile: 'air-quality', lat: 21, lon: 105.8 }),
  });
  if (created.status !== 201) throw new Error(`station: ${created.status}`);
  const db = app.store.db;
  const profile = app.profiles.get('air-quality')!.profile;
  const metrics = quick ? ['pm25', 'pm10', 'o3'] : Object.keys(profile.metrics);
  const month = addMonths(localMonth(Date.now(), TZ), -1);
  const { from, to } = localMonthRange(month, TZ)!;

  // one reading a minute of every metric over the month
  let t0 = performance.now();
  let rows = 0;
  for (let start = from; start < to;) {
    const cols: ReadingColumns = { stationIds: [], metrics: [], ts: [], values: [], quality: [] };
    for (let k = 0; k < 2000 && start < to; k++, start += MIN) {
      const iso = new Date(start).toISOString();
      for (const m of metrics) {
        cols.stationIds.push(ID);
        cols.metrics.push(m);
        cols.ts.push(iso);
        cols.values.push((TYPICAL[m] ?? 10) * (1 + 0.2 * Math.sin(start / 3_600_000 + m.length)) + ((start / MIN) % 7) * 0.1);
        cols.quality.push(0);
      }
    }
    rows += await insertReadings(db, cols);
  }
  log(`${rows.toLocaleString('en')} readings (${metrics.length} metrics × 1/min, ${month}) seeded in ${seconds(performance.now() - t0)}`);
  t0 = performance.now();
  await app.store.runPolicyJobs();
  await refreshAggregate(db, 'readings_hourly', new Date(from), new Date(to));
  await refreshAggregate(db, 'readings_daily', new Date(from), new Date(to));
  // the statistics a running app has: its autovacuum pass (store/autovacuum.ts; the embedded database has none of its own)
  await app.store.runMaintenance();
  const { rows: chunks } = await db.query<{ compressed: number; total: number }>(
    `SELECT count(*) FILTER (WHERE is_compressed) AS compressed, count(*) AS total FROM timescaledb_information.chunks WHERE hypertable_name = 'readings'`,
  );
  const indices = await recomputeIndices({ db, log: app.logger, timeZone: TZ }, ID, new Date(from), new Date(to));
  log(
    `policy jobs, aggregates and ${indices.hours} hourly / ${indices.days} daily indices ready in ${seconds(performance.now() - t0)} (${chunks[0]!.compressed} of ${chunks[0]!.total} chunks compressed)`,
  );

  // 1. invalidate PM2.5 for the whole month through the service
  const [action, invalidateMs] = await timed(() =>
    app.validation.applyAction(
      ID,
      { action: 'invalidate', metrics: ['pm25'], from: new Date(from).toISOString(), to: new Date(to).toISOString(), reason: 'instrument_fault' },
      'bench',
    ),
  );
  if (action.rowsAffected !== Math.round((to - from) / MIN)) throw new Error(`invalidated ${action.rowsAffected} readings`);
  // 2. the month's daily aggregates, every metric
  const range = `from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(new Date(to).toISOString())}`;
  const [daily, dailyMs] = await timed(async () => {
    const res = await fetch(`${base}/api/v1/stations/${ID}/readings?metric=${metrics.join(',')}&bucket=1d&agg=avg,min,max,count&${range}`, { headers: auth });
    return (await res.json()) as { source: string; series: Array<{ metric: string; data: Array<{ values: { count: number | null } }> }> };
  });
  const pm25Days = daily.series.find((s) => s.metric === 'pm25')!.data;
  if (pm25Days.some((d) => (d.values.count ?? 0) !== 0)) throw new Error('a daily PM2.5 aggregate still counts invalidated readings');
  // 3. the month's daily VN_AQI
  const [aqi, aqiMs] = await timed(async () => {
    const res = await fetch(`${base}/api/v1/stations/${ID}/aqi?period=day&${range}`, { headers: auth });
    return (await res.json()) as { data: Array<{ aqi: number; dominant: string }> };
  });
  if (aqi.data.some((d) => d.dominant === 'pm25')) throw new Error('a daily VN_AQI is still dominated by invalidated PM2.5');

  // the same change on PM10, in its parts
  const [, updateMs] = await timed(() =>
    applyReview(
      db,
      { stationId: ID, action: 'invalidate', metrics: ['pm10'], from: new Date(from), to: new Date(to), review: 13, reason: 'instrument_fault', comment: null, username: 'bench' },
      touchedPeriods(new Date(from), new Date(to), TZ),
    ),
  );
  const [, refreshMs] = await timed(async () => {
    const w = aggregateWindows(new Date(from), new Date(to), await aggregateWatermarks(db));
    if (w.hourly) await refreshAggregate(db, 'readings_hourly', w.hourly.from, w.hourly.to);
    if (w.daily) await refreshAggregate(db, 'readings_daily', w.daily.from, w.daily.to);
  });
  const [, recomputeMs] = await timed(() => recomputeIndices({ db, log: app.logger, timeZone: TZ }, ID, new Date(from), new Date(to)));

  const total = invalidateMs + dailyMs + aqiMs;
  console.log(
    `\nQuantrac validation bench${quick ? ' (quick)' : ''}: one station, ${metrics.length} metrics, one reading a minute over ${month} (${rows.toLocaleString('en')} readings)\n`,
  );
  console.log('| Step | Time |');
  console.log('|---|---|');
  console.log(
    `| invalidate PM2.5 for the month through the service (${action.rowsAffected.toLocaleString('en')} readings; UPDATE, aggregates refreshed, indices recomputed) | ${seconds(invalidateMs)} |`,
  );
  console.log(`| read the month's daily aggregates, ${metrics.length} metrics (API, source ${daily.source}) | ${seconds(dailyMs)} |`);
  console.log(`| read the month's daily VN_AQI (API, ${aqi.data.length} days) | ${seconds(aqiMs)} |`);
  console.log(`| **total** (goal < 5 s) | **${seconds(total)}** |`);
  console.log(
    `\nThe same change on PM10, in parts: UPDATE with counts and prior states ${seconds(updateMs)}, aggregates refreshed ${seconds(refreshMs)}, indices recomputed ${seconds(recomputeMs)}.`,
  );
  if (total >= 5000) log(`over the 5 s goal`);
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
