/**
 * Memory of the alert engine's sample windows (issue 20: "long rule windows keep hourly partial
 * sums, not raw readings"): N stations × 10 metrics, filled at one reading every `every-s`
 * seconds for `hours` hours (a full 24 h window and its slack), then the V8 heap the windows hold
 * (heapUsed after a full GC, minus the same before them) and the records they keep. Each variant
 * runs in its own process:
 *   new   alerts/windows.ts of the work tree (long means as hourly sums, anomaly histories as
 *         hourly quantile sketches: alerts/series-window.ts)
 *   head  the window code of git HEAD (HEAD_FILES, read with `git show` into a temporary
 *         directory, their other imports pointed at the work tree and its packages)
 * Rule sets: `mean24` (a 24 h mean threshold on each of 10 air metrics: the window alone),
 * `packs` (the shipped rule packs: QCVN 05:2023's 1 h, 8 h and 24 h means, stuck, out-of-range,
 * the 7-day PM2.5 anomaly…) and `anomaly` (the pack's PM2.5 anomaly rule alone, 168 h, same hour
 * of day: PM2.5 only; run it with --hours 170 for a full window). After the fill, the anomaly rule
 * (if any) is evaluated on every station's PM2.5 window: the time an evaluation takes.
 *
 *   npx tsx bench/alert-windows.ts                          1,000 stations, 25 h at 1/min, mean24 and packs
 *   npx tsx bench/alert-windows.ts --stations 100 --every-s 1 --hours 25 --rules mean24
 *   npx tsx bench/alert-windows.ts --rules anomaly --hours 170   1,000 stations, PM2.5, a full week at 1/min
 *   npx tsx bench/alert-windows.ts --rules anomaly --hours 170 --code new   the work tree only
 *
 * Writes bench/results/alert-windows.json (the figures of the variants run replace theirs, the others stay).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadProfiles } from '../device-profiles/index.js';
import { loadPacks } from '../alerts/packs/index.js';
import { samplesOf, type RawColumns } from '../alerts/raw-columns.js';
import type { HourSketch } from '../alerts/rules/hour-sketch.js';
import type { Sample } from '../alerts/rules/types.js';
import type { StoredRule } from '../store/alerts.js';
import type { Station } from '../store/stations.js';
import { machine } from './lib.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ALL_METRICS = ['pm25', 'pm10', 'tsp', 'so2', 'no2', 'co', 'o3', 'temp', 'rh', 'pressure'];
/** The window code the `head` variant takes from git HEAD (the rest comes from the work tree). */
const HEAD_FILES = ['alerts/windows.ts', 'alerts/series-window.ts', 'alerts/rule-index.ts', 'alerts/rules/anomaly.ts'];
const ANOMALY_RULE = 'qcvn05.pm25-anomaly';

/**
 * A station's window in the code of either variant: raw samples as one array a metric (`byMetric`,
 * before 2026-12-05 afternoon) or as rows of doubles in each series (alerts/raw-columns.ts).
 */
interface WindowOfEitherCode {
  byMetric?: Map<string, Sample[]>;
  series: Map<string, { raw: Sample[] | RawColumns; hours?: unknown[]; sketches?: HourSketch[] }>;
}

/** The raw samples of `metric` as objects, in either variant's code. */
function rawOf(w: WindowOfEitherCode, metric: string): Sample[] {
  const raw = w.series.get(metric)?.raw;
  if (raw === undefined) return w.byMetric?.get(metric) ?? [];
  if (Array.isArray(raw)) return raw;
  return samplesOf(raw);
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
}
const STATIONS = Number(arg('stations', '1000'));
const HOURS = Number(arg('hours', '25'));
const EVERY_S = Number(arg('every-s', '60'));
const RULES = arg('rules', 'mean24,packs').split(',');
const CODES = arg('code', 'head,new').split(',') as Array<'head' | 'new'>;
const metricsOf = (set: string): string[] => (set === 'anomaly' ? ['pm25'] : ALL_METRICS);

interface Result {
  code: 'new' | 'head';
  rules: string;
  stations: number;
  metrics: number;
  hours: number;
  everySeconds: number;
  readings: number;
  records: number;
  recordsPerSeries: number;
  heapMb: number;
  bytesPerSeries: number;
  fillSeconds: number;
  /** Mean time of one evaluation of the PM2.5 anomaly rule over a station's window, if the set has it. */
  anomalyEvalMs?: number;
}

function storedRules(set: string): StoredRule[] {
  const packRules = (): Array<Record<string, unknown> & { id: string; origin: 'pack'; pack: string }> =>
    loadPacks().flatMap((p) => p.rules.map((r) => ({ ...r, origin: 'pack' as const, pack: p.pack })));
  const definitions =
    set === 'packs'
      ? packRules()
      : set === 'anomaly'
        ? packRules().filter((r) => r.id === ANOMALY_RULE)
        : ALL_METRICS.map((metric) => ({
            id: `bench.${metric}-24h`,
            name: { en: `${metric} 24 h`, vi: `${metric} 24 giờ` },
            kind: 'threshold',
            scope: { profile: 'air-quality' },
            metric,
            severity: 'warning',
            op: 'above',
            raise: 1e9,
            clear: 1e9,
            over: 'mean',
            windowMinutes: 1440,
            origin: 'user' as const,
            pack: null,
          }));
  return definitions.map(({ origin, pack, ...definition }) => ({ id: definition.id, definition, origin, pack, updatedAt: new Date(0), updatedBy: null }));
}

/**
 * HEAD_FILES as committed at HEAD in a temporary directory (same relative layout), each relative
 * import pointed at another HEAD copy if it is one of them, else at the work tree; their URLs by path.
 */
function headModules(): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'qt-windows-head-'));
  const urls = new Map(HEAD_FILES.map((f) => [f, pathToFileURL(join(dir, f)).href]));
  for (const f of HEAD_FILES) {
    const source = execFileSync('git', ['show', `HEAD:${f}`], { cwd: ROOT, encoding: 'utf8' });
    const rewritten = source.replace(/from '([^']+)'/g, (_, spec: string) => {
      if (!spec.startsWith('.')) return `from '${import.meta.resolve(spec)}'`; // a package, as the work tree resolves it
      const target = relative(ROOT, resolve(ROOT, dirname(f), spec)).replace(/\.js$/, '.ts');
      return `from '${urls.get(target) ?? pathToFileURL(resolve(ROOT, dirname(f), spec)).href}'`;
    });
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), rewritten);
  }
  return urls;
}

async function child(code: 'new' | 'head', set: string): Promise<Result> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  const METRICS = metricsOf(set);
  const url = code === 'head' ? headModules() : new Map(HEAD_FILES.map((f) => [f, pathToFileURL(join(ROOT, f)).href]));
  const { createRuleIndex } = (await import(url.get('alerts/rule-index.ts')!)) as typeof import('../alerts/rule-index.js');
  const { evaluateAnomaly } = (await import(url.get('alerts/rules/anomaly.ts')!)) as typeof import('../alerts/rules/anomaly.js');
  const rules = createRuleIndex(loadProfiles());
  rules.replace(storedRules(set));
  const stations: Station[] = Array.from({ length: STATIONS }, (_, i) => ({
    id: `B-${i}`,
    name: `B-${i}`,
    profileId: 'air-quality',
    lat: 21,
    lon: 105.8,
    province: null,
    timezone: 'Asia/Ho_Chi_Minh',
    enabled: true,
    simulated: false,
    connectionState: 'unknown',
    connectionChangedAt: null,
    createdAt: new Date(0),
    attributes: {},
  }));
  const mod = (await import(url.get('alerts/windows.ts')!)) as typeof import('../alerts/windows.js');
  for (let i = 0; i < 3; i++) gc();
  const before = process.memoryUsage().heapUsed;
  const windows = mod.createWindows(rules);
  const t0 = performance.now();
  const start = Date.parse('2026-01-01T00:00:00Z');
  let readings = 0;
  for (let ts = start; ts < start + HOURS * 3_600_000; ts += EVERY_S * 1000) {
    for (const s of stations) {
      for (const [m, metric] of METRICS.entries()) {
        windows.record(s, { metric, ts, value: 20 + ((ts / 60_000 + m) % 37) / 3, quality: 'valid' }, ts);
        readings++;
      }
    }
  }
  const fillSeconds = (performance.now() - t0) / 1000;
  for (let i = 0; i < 3; i++) gc();
  const heap = process.memoryUsage().heapUsed - before;
  let records = 0;
  let series = 0;
  for (const s of stations) {
    const w = windows.of(s.id) as unknown as WindowOfEitherCode;
    for (const [metric, kept] of w.series) {
      series++;
      records += rawOf(w, metric).length + (kept.hours?.length ?? 0) + (kept.sketches?.length ?? 0);
    }
  }
  const anomaly = rules.get(ANOMALY_RULE);
  let anomalyEvalMs: number | undefined;
  if (anomaly?.kind === 'anomaly') {
    const t1 = performance.now();
    for (const s of stations) {
      const w = windows.of(s.id) as unknown as WindowOfEitherCode;
      const hourSketches = w.series.get('pm25')?.sketches;
      const samples = rawOf(w, 'pm25');
      const now = samples.at(-1)?.ts ?? 0;
      evaluateAnomaly({
        rule: anomaly,
        now,
        samples,
        ...(hourSketches?.length ? { hourSketches } : {}),
        active: false,
        expectedIntervalMs: EVERY_S * 1000,
        watchingSince: 0,
        stationAttributes: {},
        timeZone: 'Asia/Ho_Chi_Minh',
      });
    }
    anomalyEvalMs = Math.round(((performance.now() - t1) / stations.length) * 1000) / 1000;
  }
  return {
    code,
    rules: set,
    stations: STATIONS,
    metrics: METRICS.length,
    hours: HOURS,
    everySeconds: EVERY_S,
    readings,
    records,
    recordsPerSeries: Math.round((records / Math.max(1, series)) * 10) / 10,
    heapMb: Math.round((heap / 2 ** 20) * 10) / 10,
    bytesPerSeries: Math.round(heap / Math.max(1, series)),
    fillSeconds: Math.round(fillSeconds * 10) / 10,
    ...(anomalyEvalMs !== undefined ? { anomalyEvalMs } : {}),
  };
}

const childIndex = process.argv.indexOf('--child');
if (childIndex > 0) {
  const [code, set] = process.argv[childIndex + 1]!.split(':') as ['new' | 'head', string];
  process.stdout.write(`${JSON.stringify(await child(code, set))}\n`);
} else {
  const results: Result[] = [];
  for (const set of RULES) {
    for (const code of CODES) {
      const run = spawnSync(
        process.execPath,
        ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2), '--child', `${code}:${set}`],
        { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 },
      );
      if (run.status !== 0) {
        console.error(`${code}:${set} failed:\n${run.stderr}`);
        process.exit(1);
      }
      const r = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Result;
      results.push(r);
      console.log(
        `${set.padEnd(7)} ${code.padEnd(4)}  ${r.stations} stations × ${r.metrics} metrics, ${r.hours} h at 1/${r.everySeconds} s: heap ${r.heapMb} MB (${r.bytesPerSeries} B/series), ${r.recordsPerSeries} records/series, fill ${r.fillSeconds} s${r.anomalyEvalMs !== undefined ? `, anomaly evaluation ${r.anomalyEvalMs} ms` : ''}`,
      );
    }
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  // keep the figures of the rule sets not run this time
  const file = join(ROOT, 'bench/results/alert-windows.json');
  const previous = existsSync(file) ? ((JSON.parse(readFileSync(file, 'utf8')) as { results?: Result[] }).results ?? []) : [];
  const kept = previous.filter((r) => !results.some((x) => x.rules === r.rules && x.code === r.code));
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), machine: machine(), results: [...kept, ...results] }, null, 2)}\n`);
}
