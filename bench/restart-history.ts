/**
 * A restart of an agency's system that has been running (issue 20): N air-quality stations with
 * H hours of readings, 10 metrics a minute, on the embedded database. Quantrac serves nothing
 * until the alert engine has refilled its windows from the stored readings (alerts/windows.ts
 * rebuildWindows: each metric as far back as its rules reach, a week of PM2.5 for the anomaly
 * rule), so the restart's time is what an operator and the stations wait for. Measured:
 *   1. a restart with the last hour stored (the refill has little to read): the baseline;
 *   2. a restart with all H hours stored.
 * The history is written straight into the database (generate_series, values with one decimal)
 * and analysed before each restart, so neither restart pays for the statistics of a bulk load.
 *
 *   npx tsx bench/restart-history.ts [--stations 100] [--hours 168]
 * Writes bench/results/restart-history.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { startTestApp, tempDataDir, type TestApp } from '../test/helpers/app.js';
import { machine, registerBenchStations } from './lib.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const STATIONS = arg('stations', 100);
const HOURS = arg('hours', 168);
const METRICS = ['pm25', 'pm10', 'tsp', 'so2', 'no2', 'co', 'o3', 'temp', 'rh', 'pressure'];

const dir = tempDataDir();
/** The minute the history ends at: both seeds count back from it. */
const ANCHOR = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const ids = Array.from({ length: STATIONS }, (_, i) => `RH-${String(i).padStart(4, '0')}`);

/** Readings of every station and metric, one a minute, for the minutes in [now − fromHours, now − toHours). */
async function seed(t: TestApp, fromHours: number, toHours: number): Promise<number> {
  const t0 = performance.now();
  let rows = 0;
  // a station at a time: one statement of millions of rows would hold the whole result in the worker
  for (const id of ids) {
    const r = await t.app.store.db.query(
      `INSERT INTO readings (station_id, metric, ts, value, quality)
       SELECT $1, m, ts, round((5 + random() * 60)::numeric, 1)::float8, 0
         FROM unnest($2::text[]) m,
              generate_series($5::timestamptz - make_interval(mins => $3::int), $5::timestamptz - make_interval(mins => $4::int + 1), interval '1 minute') ts
       ON CONFLICT DO NOTHING`,
      [id, METRICS, Math.round(fromHours * 60), Math.round(toHours * 60), ANCHOR],
    );
    rows += r.rowCount ?? 0;
  }
  await t.app.store.db.query('ANALYZE readings');
  console.log(`seeded ${rows.toLocaleString('en-US')} readings (${fromHours} h → ${toHours} h ago) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return rows;
}

async function restart(t: TestApp): Promise<{ app: TestApp; ms: number }> {
  await t.close();
  const t0 = performance.now();
  const app = await startTestApp({}, dir);
  return { app, ms: Math.round(performance.now() - t0) };
}

let t = await startTestApp({}, dir);
await registerBenchStations(t.app.store.db, ids);
const recent = await seed(t, 1, 0);
const baseline = await restart(t);
console.log(`restart with the last hour stored: ${baseline.ms} ms`);
const older = HOURS > 1 ? await seed(baseline.app, HOURS, 1) : 0;
const full = await restart(baseline.app);
t = full.app;
console.log(`restart with ${HOURS} h stored (${(recent + older).toLocaleString('en-US')} readings of ${STATIONS} stations): ${full.ms} ms`);
await t.close(true);

const result = {
  at: new Date().toISOString(),
  machine: machine(),
  stations: STATIONS,
  hours: HOURS,
  metrics: METRICS.length,
  readings: recent + older,
  restartLastHourMs: baseline.ms,
  restartMs: full.ms,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/restart-history.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
