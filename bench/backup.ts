/**
 * Backup, restore and `db copy` of an embedded database of 1 million readings (issue #17's
 * figures): a fresh embedded database in a temporary DATA_DIR is filled with the store's batch
 * insert (100 stations × 2 metrics × 5,000 minutes), then, timed one after the other:
 * - a snapshot taken while the database serves (`dump()`, what POST /api/v1/admin/backup and
 *   `quantrac db backup` do), written to a file;
 * - `db restore`: the snapshot loaded into a new directory, opened (crash recovery), counted;
 * - `db copy`: every table onto a second embedded database reached only by its URL (as a
 *   TimescaleDB server would be), with the row counts compared.
 * Prints each duration, the snapshot's size, and each step's peak RSS of this process (worker
 * threads included: during the copy that is two embedded databases, source and target, in one process).
 * Run: npx tsx bench/backup.ts [readings, default 1000000]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../config/index.js';
import { loadProfiles } from '../device-profiles/index.js';
import { createLogger } from '../lib/logger.js';
import { openUrl, restoreSnapshot, tableCounts } from '../store/backup.js';
import { copyDatabase } from '../store/copy.js';
import { openDb } from '../store/db.js';
import { startEmbeddedDatabase } from '../store/embedded/index.js';
import { migrate } from '../store/migrate.js';
import { insertReadings } from '../store/readings.js';
import { createStation, syncProfiles } from '../store/stations.js';
import { machine, rssMb } from './lib.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const STATIONS = 100;
const METRICS = ['pm25', 'pm10'];
const BATCH = 10_000;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(process.pid))), 200);
/** The peak RSS since the last call (per step), in MB. */
function stepPeak(): number {
  const peak = Math.max(peakRss, rssMb(process.pid));
  peakRss = rssMb(process.pid);
  return peak;
}
const seconds = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;

const root = mkdtempSync(join(tmpdir(), 'quantrac-bench-backup-'));
const dataDir = join(root, 'data');
const logger = createLogger('silent');
const figures: Record<string, number | string> = { readings: TOTAL };

try {
  // 1. fill
  let t0 = performance.now();
  const db = await openDb(resolveConfig({ dataDir, logLevel: 'silent' }), logger);
  await migrate(db);
  await syncProfiles(
    db,
    [...loadProfiles().values()].map((p) => p.profile),
  );
  for (let s = 0; s < STATIONS; s++) {
    await createStation(db, { id: `BK-${String(s).padStart(3, '0')}`, name: `Bench ${s}`, profileId: 'air-quality', lat: 21, lon: 105.8 }, 'x');
  }
  const perSeries = Math.ceil(TOTAL / (STATIONS * METRICS.length));
  const start = Date.parse('2024-01-01T00:00:00Z');
  const cols = { stationIds: [] as string[], metrics: [] as string[], ts: [] as string[], values: [] as number[], quality: [] as number[] };
  let written = 0;
  const flush = async () => {
    written += await insertReadings(db, cols);
    for (const a of Object.values(cols)) a.length = 0;
  };
  outer: for (let m = 0; m < perSeries; m++) {
    const ts = new Date(start + m * 60_000).toISOString();
    for (let s = 0; s < STATIONS; s++) {
      for (const metric of METRICS) {
        if (written + cols.ts.length >= TOTAL) break outer;
        cols.stationIds.push(`BK-${String(s).padStart(3, '0')}`);
        cols.metrics.push(metric);
        cols.ts.push(ts);
        cols.values.push(20 + ((m * 7 + s) % 60));
        cols.quality.push(0);
        if (cols.ts.length >= BATCH) await flush();
      }
    }
  }
  await flush();
  figures['fillSeconds'] = seconds(t0);
  figures['fillPeakRssMB'] = stepPeak();
  await db.close();
  console.info(`filled ${written} readings in ${figures['fillSeconds']} s`);

  // 2. a snapshot while the database serves (what the running app does for `db backup`)
  const file = join(root, 'snapshot.tar.gz');
  const running = await startEmbeddedDatabase(join(dataDir, 'pg'), (err) => console.error(err), { restart: false });
  const sizer = await openUrl(running.connectionString);
  const { rows: size } = await sizer.query<{ n: number }>(
    `SELECT sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass))::int8 AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
  );
  await sizer.close();
  const dataDirBytes = size[0]?.n ?? 0;
  t0 = performance.now();
  writeFileSync(file, await running.dump());
  figures['backupSeconds'] = seconds(t0);
  figures['backupPeakRssMB'] = stepPeak();
  figures['snapshotMB'] = Math.round(statSync(file).size / 1_048_576);
  figures['tablesMB'] = Math.round(dataDirBytes / 1_048_576);
  await running.close();
  console.info(`backup: ${figures['backupSeconds']} s, ${figures['snapshotMB']} MB (tables and indexes: ${figures['tablesMB']} MB)`);

  // 3. db restore into a new DATA_DIR
  t0 = performance.now();
  const restored = await restoreSnapshot(file, join(root, 'restored', 'pg'));
  figures['restoreSeconds'] = seconds(t0);
  figures['restorePeakRssMB'] = stepPeak();
  console.info(`restore: ${figures['restoreSeconds']} s, ${restored.counts.get('readings')} readings`);

  // 4. db copy onto a second embedded database reached by its URL
  const server = await startEmbeddedDatabase(join(root, 'server'), (err) => console.error(err), { restart: false });
  const source = await openDb(resolveConfig({ dataDir, logLevel: 'silent' }), logger);
  const target = await openUrl(server.connectionString);
  t0 = performance.now();
  await migrate(target);
  const report = await copyDatabase(source, target);
  figures['copySeconds'] = seconds(t0);
  figures['copyPeakRssMB'] = stepPeak();
  figures['copyOk'] = String(report.ok);
  const counts = await tableCounts(target, ['readings']);
  await target.close();
  await source.close();
  await server.close();
  console.info(`db copy: ${figures['copySeconds']} s, ${counts.get('readings')} readings on the target, counts ${report.ok ? 'equal' : 'DIFFERENT'}`);

  clearInterval(sampler);
  console.info(JSON.stringify({ machine: machine(), ...figures }, null, 2));
} finally {
  clearInterval(sampler);
  rmSync(root, { recursive: true, force: true });
}
