/**
 * @module bench/validation-scheduled
 * One run of the scheduled spatial consistency check (issue 18, validation/scheduled.ts) on a fresh
 * embedded database: 100 air stations on a 10 × 10 grid 3 km apart, 10 metrics, one reading a
 * minute over one hour (60,000 readings, seeded with insertReadings), five of them drifting on
 * PM2.5. Measures the first run over that hour (hourly means, judgement, the flags written, the
 * aggregates refreshed, `validationChanged` emitted), the same hour evaluated again (nothing
 * changes: what an operator's run of the whole look-back costs), and a timer's run while nothing
 * arrived late (the look-back hour is not judged again: every scheduled run's steady state). Then the judgement alone
 * (validation/scheduled-spatial.ts, no database) on a dense network, one run's chunk of 6 hours:
 * 1,000 stations in one place (each within every other's radius) × 10 metrics, its time and the
 * longest event-loop delay while it ran, which is what the broker's keepalives and the live
 * stream wait behind.
 * `npx tsx bench/validation-scheduled.ts [--runs 5] [--dense 1000]` (also run by `npm run bench -- --all`).
 */
import { rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createApp } from '../app.js';
import { HOUR_MS } from '../lib/time.js';
import { insertReadings, type ReadingColumns } from '../store/readings.js';
import { tempDataDir } from '../test/helpers/app.js';
import type { StationHourMean } from '../store/qc-scheduled.js';
import { startQcSchedule } from '../validation/scheduled.js';
import { defaultSpatialConfigOf } from '../validation/scheduled-config.js';
import { evaluateSpatial } from '../validation/scheduled-spatial.js';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] ?? 5) || 5;
const DENSE = args.includes('--dense') ? Number(args[args.indexOf('--dense') + 1]) : 1000;
const METRICS = ['pm25', 'pm10', 'tsp', 'so2', 'no2', 'co', 'o3', 'temp', 'rh', 'pressure'];
/** Plausible hourly levels of a clean urban air station (as bench/suite.ts sends). */
const TYPICAL: Record<string, number> = { pm25: 22, pm10: 40, tsp: 60, so2: 15, no2: 30, co: 900, o3: 50, temp: 28, rh: 75, pressure: 1008 };
const GRID = 10;
const SPACING_DEG = 0.027; // ~3 km
const DRIFTING = new Set([7, 23, 45, 68, 91]);

const dataDir = tempDataDir();
const app = await createApp({
  dataDir,
  host: '127.0.0.1',
  mqtt: { port: 0 },
  http: { port: 0 },
  simulate: 0,
  logLevel: 'warn',
  adminPassword: 'bench-admin-password',
  alerts: { tickMs: 0, indexThrottleMs: 0 },
  automation: { enabled: false },
  bulletins: { enabled: false },
});
const base = `http://127.0.0.1:${app.ports.http}`;
try {
  const login = (await (
    await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'bench-admin-password' }),
    })
  ).json()) as { token: string };
  const ids = Array.from({ length: GRID * GRID }, (_, i) => `SB-${String(i).padStart(3, '0')}`);
  for (const [i, id] of ids.entries()) {
    const res = await fetch(`${base}/api/v1/stations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${login.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, name: id, profile: 'air-quality', lat: 21 + Math.floor(i / GRID) * SPACING_DEG, lon: 105.7 + (i % GRID) * SPACING_DEG }),
    });
    if (res.status !== 201) throw new Error(`station ${id}: ${res.status}`);
  }

  // The last completed hour, one reading a minute: a shared signal, a little noise per station.
  const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
  const cols: ReadingColumns = { stationIds: [], metrics: [], ts: [], values: [], quality: [] };
  for (const [i, id] of ids.entries())
    for (let m = 0; m < 60; m++)
      for (const metric of METRICS) {
        const level = TYPICAL[metric]! * (1 + 0.1 * Math.sin(m / 10) + 0.02 * Math.sin(i * 7.3 + m));
        cols.stationIds.push(id);
        cols.metrics.push(metric);
        cols.ts.push(new Date(hour + m * 60_000).toISOString());
        cols.values.push(metric === 'pm25' && DRIFTING.has(i) ? level + 40 : level);
        cols.quality.push(0);
      }
  const stored = await insertReadings(app.store.db, cols);

  // A schedule of its own over exactly that hour (no timer; the app's own one is not due).
  // It watches the committed readings as the app's one does on one node (watchLateReadings).
  const schedule = startQcSchedule({ db: app.store.db, bus: app.bus, logger: app.logger, intervalMs: 0, firstRunHours: 1, lookbackHours: 1, watchLateReadings: true });
  let t0 = performance.now();
  const first = await schedule.runNow();
  const firstMs = performance.now() - t0;
  const again: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    t0 = performance.now();
    const report = await schedule.runNow();
    again.push(performance.now() - t0);
    if (report.stations !== 0) throw new Error(`a repeated run changed flags: ${JSON.stringify(report)}`);
  }
  // what the timer's runs do while nothing arrives late: the look-back hour is not judged again
  const quiet: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    t0 = performance.now();
    const report = await schedule.runNow({ lookback: 'changed' });
    quiet.push(performance.now() - t0);
    if (report.hours !== 0) throw new Error(`a timer run with nothing late judged ${report.hours} hours`);
  }
  await schedule.close();
  again.sort((a, b) => a - b);
  quiet.sort((a, b) => a - b);
  const result = {
    stations: ids.length,
    metrics: METRICS.length,
    readings: stored,
    firstRun: { ms: Math.round(firstMs), findings: first.findings, stationsChanged: first.stations, readingsFlagged: first.flagged },
    repeatedRun: { runs: RUNS, p50Ms: Math.round(again[again.length >> 1]!), maxMs: Math.round(again.at(-1)!) },
    timerRunNothingLate: { runs: RUNS, p50Ms: Math.round(quiet[quiet.length >> 1]!), maxMs: Math.round(quiet.at(-1)!) },
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `spatial check, ${ids.length} stations × ${METRICS.length} metrics × 1 h (${stored} readings), embedded DB: first run ${result.firstRun.ms} ms (${first.flagged} readings flagged at ${first.stations} stations), repeated run p50 ${result.repeatedRun.p50Ms} ms, timer run with nothing late p50 ${result.timerRunNothingLate.p50Ms} ms`,
  );
} finally {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}

// The judgement alone on a dense network: DENSE stations at one point, 10 metrics, 6 hours.
const means: StationHourMean[] = [];
const firstHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 6 * HOUR_MS;
for (let s = 0; s < DENSE; s++)
  for (let h = 0; h < 6; h++)
    for (const metric of METRICS)
      means.push({
        stationId: `D-${s}`,
        profileId: 'air-quality',
        lat: 21.03,
        lon: 105.85,
        metric,
        hour: firstHour + h * HOUR_MS,
        mean: TYPICAL[metric]! * (1 + 0.02 * Math.sin(s * 7.3 + h)) + (metric === 'pm25' && s % 50 === 0 ? 40 : 0),
        n: 60,
      });
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
const t1 = performance.now();
const findings = await evaluateSpatial(means, defaultSpatialConfigOf);
const judgeMs = performance.now() - t1;
loop.disable();
const dense = { stations: DENSE, stationHours: means.length, ms: Math.round(judgeMs), longestLoopDelayMs: Math.round(loop.max / 1e6), findings: findings.length };
console.log(JSON.stringify({ dense }, null, 2));
console.log(
  `spatial judgement alone, ${DENSE} stations in one place × ${METRICS.length} metrics × 6 h (${means.length} station hours): ${dense.ms} ms, longest event-loop delay ${dense.longestLoopDelayMs} ms, ${dense.findings} station hours flagged`,
);
