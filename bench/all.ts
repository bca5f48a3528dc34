/**
 * `npm run bench` — every benchmark in turn, each in its own process (each starts its own
 * Quantrac on a fresh embedded database): ingest and rules (run.ts), the analyst API
 * (analytics.ts), Circular 10 files (circular10.ts) and what a busy Node-RED flow costs ingest
 * (node-red.ts). `--quick` is passed to each.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const parts: Array<[string, string[]]> = [
  ['run.ts', args],
  ['analytics.ts', args],
  ['circular10.ts', quick ? ['--stations', '50', '--files', '4'] : ['--stations', '200', '--files', '12']],
  ['node-red.ts', args],
];
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
