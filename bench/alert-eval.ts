/**
 * What one evaluation of a metric's alert rules costs (issue 20): QCVN 05:2023's PM2.5 rules (the
 * 24 h mean, stuck, out-of-range, the anomaly, the forecast) evaluated as the engine does after a
 * reading (alerts/evaluator.ts: the raw samples built as objects from the window's rows, once for
 * the six rules, the hourly sums of the 24 h mean, the anomaly's week as hour sketches), over
 * a station reporting once a minute (60 raw samples) and one reporting every second (3,600, as
 * bench/soak.ts's auditors do). Prints the time per evaluation, the kilobytes it allocates (what
 * the heap grew by between collections, from V8's GC profiler, over the timed evaluations: the
 * garbage the engine's main thread makes per reading) and the young-generation collections per
 * 1,000 evaluations (how many depends on the semi-space V8 chose as well).
 *
 *   npx tsx bench/alert-eval.ts [--evaluations 20000]
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { loadPacks } from '../alerts/packs/index.js';
import { addExact } from '../alerts/rules/exact-sum.js';
import { createHourSketch, type HourSketch } from '../alerts/rules/hour-sketch.js';
import { addToSketch, compactSketch } from '../lib/quantile-sketch.js';
import { HOUR_MS, type HourSum } from '../alerts/rules/hourly.js';
import { evaluate } from '../alerts/rules/index.js';
import { createRaw, insertRow, samplesOf } from '../alerts/raw-columns.js';
import type { Rule, Sample } from '../alerts/rules/types.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const EVALUATIONS = arg('evaluations', 20_000);

const pack = loadPacks().find((p) => p.pack === 'qcvn05')!;
const rules: Rule[] = pack.rules.filter((r) => 'metric' in r && r.metric === 'pm25');

let scavenges = 0;
const gcs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
});
gcs.observe({ entryTypes: ['gc'] });

async function run(name: string, everyMs: number): Promise<void> {
  const rawCount = Math.round(HOUR_MS / everyMs);
  const newest = Date.UTC(2026, 11, 7, 3, 0, 0);
  const samples: Sample[] = Array.from({ length: rawCount }, (_, i) => ({ ts: newest - (rawCount - 1 - i) * everyMs, value: 20 + ((i * 7919) % 97) * 0.37, quality: 'valid' }));
  const hourly: HourSum[] = Array.from({ length: 23 }, (_, h) => {
    const partials: number[] = [];
    for (let k = 0; k < rawCount; k++) addExact(partials, 18 + ((k * 31) % 89) * 0.41);
    return { end: newest - HOUR_MS * (23 - h), count: rawCount, partials };
  });
  // the anomaly's week of history older than the raw samples, one sketch per hour (alerts/series-window.ts)
  const hourSketches: HourSketch[] = Array.from({ length: 167 }, (_, h) => {
    const sketch = createHourSketch(newest - HOUR_MS * (168 - h));
    for (let k = 0; k < rawCount; k++) addToSketch(sketch, 15 + ((k * 13 + h * 7) % 83) * 0.45);
    compactSketch(sketch);
    return sketch;
  });
  // the window keeps them as rows of doubles (alerts/raw-columns.ts); each evaluation builds the objects
  const raw = createRaw();
  samples.forEach((s, i) => insertRow(raw, i, s));
  const input = {
    now: newest + 1000,
    hourly,
    hourSketches,
    active: false,
    expectedIntervalMs: everyMs,
    watchingSince: newest - 86_400_000,
    stationAttributes: {},
    timeZone: 'Asia/Ho_Chi_Minh',
  };
  let conditions = 0;
  const evaluation = () => {
    const built = samplesOf(raw);
    for (const rule of rules) if (evaluate({ ...input, samples: built, rule })) conditions++;
  };
  for (let i = 0; i < Math.min(1000, EVALUATIONS); i++) evaluation(); // warm-up
  const before = scavenges;
  const profiler = new GCProfiler();
  const usedAtStart = getHeapStatistics().used_heap_size;
  profiler.start();
  const t0 = performance.now();
  for (let i = 0; i < EVALUATIONS; i++) evaluation();
  const ms = performance.now() - t0;
  const usedAtEnd = getHeapStatistics().used_heap_size;
  // allocated = what the heap grew by between collections: each one's "before" minus the previous one's "after"
  let allocated = 0;
  let after = usedAtStart;
  for (const gc of profiler.stop()?.statistics ?? []) {
    allocated += gc.beforeGC.heapStatistics.usedHeapSize - after;
    after = gc.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += usedAtEnd - after;
  await new Promise((r) => setTimeout(r, 50)); // gc entries are delivered asynchronously
  console.log(
    `${name.padEnd(28)} ${rawCount} raw samples, 23 hourly sums, 167 hour sketches, ${rules.length} rules: ${((ms / EVALUATIONS) * 1000).toFixed(0)} µs and ${(allocated / EVALUATIONS / 1024).toFixed(0)} KB allocated per evaluation, ` +
      `${(((scavenges - before) / EVALUATIONS) * 1000).toFixed(0)} young-generation collections per 1,000 evaluations (${conditions} conditions)`,
  );
}

await run('PM2.5 once a minute', 60_000);
await run('PM2.5 every second', 1000);
gcs.disconnect();
