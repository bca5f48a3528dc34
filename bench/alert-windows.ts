/**
 * Memory of the alert engine's sample windows (issue 20: "long rule windows keep hourly partial
 * sums, not raw readings"): N stations × 10 metrics, filled at one reading every `every-s`
 * seconds for `hours` hours (a full 24 h window and its slack), then the V8 heap the windows hold
 * (heapUsed after a full GC, minus the same before them) and the records they keep. Each variant
 * runs in its own process:
 *   new   alerts/windows.ts of the work tree (long means as hourly sums, alerts/series-window.ts)
 *   head  alerts/windows.ts of git HEAD, read with `git show` into a temporary file (raw readings)
 * Rule sets: `mean24` (a 24 h mean threshold on each of 10 air metrics: the window alone) and
 * `packs` (the shipped rule packs: QCVN 05:2023's 1 h, 8 h and 24 h means, stuck, out-of-range…).
 *
 *   npx tsx bench/alert-windows.ts                          1,000 stations, 25 h at 1/min, both rule sets
 *   npx tsx bench/alert-windows.ts --stations 100 --every-s 1 --hours 25 --rules mean24
 *
 * Writes bench/results/alert-windows.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadProfiles } from '../device-profiles/index.js';
import { loadPacks } from '../alerts/packs/index.js';
import { createRuleIndex } from '../alerts/rule-index.js';
import type { StoredRule } from '../store/alerts.js';
import type { Station } from '../store/stations.js';
import { machine } from './lib.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const METRICS = ['pm25', 'pm10', 'tsp', 'so2', 'no2', 'co', 'o3', 'temp', 'rh', 'pressure'];

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
}
const STATIONS = Number(arg('stations', '1000'));
const HOURS = Number(arg('hours', '25'));
const EVERY_S = Number(arg('every-s', '60'));
const RULES = arg('rules', 'mean24,packs').split(',');

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
}

function storedRules(set: string): StoredRule[] {
  const definitions =
    set === 'packs'
      ? loadPacks().flatMap((p) => p.rules.map((r) => ({ ...r, origin: 'pack' as const, pack: p.pack })))
      : METRICS.map((metric) => ({
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

/** alerts/windows.ts as committed at HEAD, its relative imports pointed at the work tree. */
function headWindowsModule(): string {
  const source = execFileSync('git', ['show', 'HEAD:alerts/windows.ts'], { cwd: ROOT, encoding: 'utf8' });
  const dir = mkdtempSync(join(tmpdir(), 'qt-windows-head-'));
  const file = join(dir, 'windows-head.ts');
  const rewritten = source.replace(/from '(\.\.?\/[^']+)'/g, (_, rel: string) => `from '${pathToFileURL(resolve(ROOT, 'alerts', rel)).href}'`);
  writeFileSync(file, rewritten);
  return pathToFileURL(file).href;
}

async function child(code: 'new' | 'head', set: string): Promise<Result> {
  const gc = (globalThis as { gc?: () => void }).gc!;
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
  const mod = (await import(code === 'head' ? headWindowsModule() : pathToFileURL(join(ROOT, 'alerts/windows.ts')).href)) as typeof import('../alerts/windows.js');
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
    const w = windows.of(s.id) as { byMetric: Map<string, unknown[]>; series?: Map<string, { raw: unknown[]; hours: unknown[] }> };
    for (const [metric, raw] of w.byMetric) {
      series++;
      records += raw.length + (w.series?.get(metric)?.hours.length ?? 0);
    }
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
  };
}

const childIndex = process.argv.indexOf('--child');
if (childIndex > 0) {
  const [code, set] = process.argv[childIndex + 1]!.split(':') as ['new' | 'head', string];
  process.stdout.write(`${JSON.stringify(await child(code, set))}\n`);
} else {
  const results: Result[] = [];
  for (const set of RULES) {
    for (const code of ['head', 'new'] as const) {
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
        `${set.padEnd(6)} ${code.padEnd(4)}  ${r.stations} stations × ${r.metrics} metrics, ${r.hours} h at 1/${r.everySeconds} s: heap ${r.heapMb} MB (${r.bytesPerSeries} B/series), ${r.recordsPerSeries} records/series, fill ${r.fillSeconds} s`,
      );
    }
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/alert-windows.json'), `${JSON.stringify({ at: new Date().toISOString(), machine: machine(), results }, null, 2)}\n`);
}
