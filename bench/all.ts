/**
 * `npm run bench` — the performance suite (bench/suite.ts: ingest, latency, stages, connected
 * stations, backlog, start-up), writing bench/results/latest.json (`--quick`: quick.json), then
 * the data validation goal (validation.ts: invalidate a month of one metric, read it back) and the
 * ingest cost of the ingest-time checks, A/B (qc-ab.ts: results/qc-ab[-quick].json).
 * `npm run bench -- --all` then also runs the feature benchmarks, each in its own process on a
 * fresh embedded database: the analyst API (analytics.ts), exports (export.ts), Circular 10 files (circular10.ts),
 * what a busy Node-RED flow costs ingest (node-red.ts), notifications (notifications.ts) and one run
 * of the scheduled spatial check over 100 stations × 10 metrics × 1 hour (validation-scheduled.ts),
 * ingest at 5,000 readings/s beside an export, a heavy aggregate and the policy jobs (contention.ts),
 * the compression job's longest statement at an agency's load (compression-slices.ts),
 * a fleet of 10,000 stations reconnecting to the broker (retained.ts)
 * the operations center's overview with 1,000 stations in Chromium (overview-browser.ts)
 * and a restart with a week of 100 stations' readings stored (restart-history.ts).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const all = args.includes('--all');
const passed = args.filter((a) => a !== '--all');
// the data validation goal (issue 18: invalidate a month, read it back, < 5 s) runs every time, in its own process
const parts: Array<[string, string[]]> = [
  ['suite.ts', passed],
  ['validation.ts', quick ? ['--quick'] : []],
  // the ingest cost of the ingest-time checks (issue 18), A/B: under a minute with --quick on an idle machine
  ['qc-ab.ts', quick ? ['--quick'] : []],
];
if (all) {
  parts.push(
    ['analytics.ts', quick ? ['--quick'] : []],
    // CSV/NDJSON export rows/s and peak RSS (issue 20): 10 M rows, 1 M with --quick
    ['export.ts', quick ? ['--quick'] : []],
    ['circular10.ts', quick ? ['--stations', '50', '--files', '4'] : ['--stations', '200', '--files', '12']],
    ['node-red.ts', quick ? ['--quick'] : []],
    ['notifications.ts', quick ? ['--quick'] : []],
    ['validation-scheduled.ts', quick ? ['--runs', '2'] : []],
    // ingest at 5,000 readings/s while an export, a heavy aggregate and the policy jobs run (issue 20), lanes then FIFO
    ['contention.ts', quick ? ['--seconds', '10', '--ab', '--no-slice-cost'] : ['--seconds', '60', '--ab']],
    // the compression job's statements over hours of an agency's fleet against one chunk of them (store/chunk-plan.ts)
    ['compression-slices.ts', quick ? ['--hours', '2'] : ['--hours', '6']],
    // 10,000 stations reconnecting and subscribing at once, the broker's persistence and upstream's (broker/retained-persistence.ts)
    ['retained.ts', quick ? ['--stations', '2000'] : []],
    // the operations center's overview with 1,000 stations in Chromium: listed, searched, longest task
    ['overview-browser.ts', quick ? ['--runs', '2'] : ['--runs', '5']],
    // a restart with a week of readings stored: the alert engine's refill holds the start (alerts/windows.ts)
    ['restart-history.ts', quick ? ['--stations', '20', '--hours', '24'] : []],
  );
}
let failed = 0;
for (const [file, extra] of parts) {
  console.log(`\n=== bench/${file} ${extra.join(' ')}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./${file}`, import.meta.url)), ...extra], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${file} failed (exit ${r.status})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
