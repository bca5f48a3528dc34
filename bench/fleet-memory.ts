/**
 * Where an idle Quantrac's memory goes with many registered stations (issue 20), in this process:
 *
 *   npx tsx bench/fleet-memory.ts --prepare DIR [N]   registers N stations (default 10,001) in DIR
 *   node --expose-gc --import tsx bench/fleet-memory.ts DIR [--snapshot FILE]
 *
 * The second form starts the app on DIR as main.ts does (as the fleet bench's child: no simulated
 * fleet, no Node-RED, the alert engine's 5 s tick) and prints, before the app and after it
 * started (and again after a full GC when --expose-gc): the process RSS, the main thread's
 * heap, and the embedded database worker's heap and WebAssembly memory. --snapshot writes a heap
 * snapshot of the main thread once started.
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { writeHeapSnapshot, getHeapStatistics } from 'node:v8';
import { createApp } from '../app.js';
import { configFromEnv } from '../config/index.js';
import { limitHeapGrowth } from '../lib/heap.js';
import { BENCH_ADMIN_PASSWORD, BENCH_STATION_SECRET, benchAppConfig, registerBenchStations, rssMb, runLoad, wasmResidentMb } from './lib.js';

const MB = 2 ** 20;
const mb = (b: number) => Math.round(b / MB);
const SECRET = BENCH_STATION_SECRET;
const args = process.argv.slice(2);

if (args[0] === '--prepare') {
  const dir = args[1]!;
  const n = Number(args[2] ?? 10_001);
  const app = await createApp(benchAppConfig(dir));
  const ids = Array.from({ length: n }, (_, i) => `BF-${String(i).padStart(5, '0')}`);
  await registerBenchStations(app.store.db, ids);
  await app.close();
  console.log(`${n} stations registered in ${dir}`);
  process.exit(0);
}

const dir = args[0]!;
const snapshot = args.includes('--snapshot') ? args[args.indexOf('--snapshot') + 1] : undefined;
const gc = (globalThis as { gc?: () => void }).gc;

function report(label: string, worker?: { wasmBytes: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number }) {
  const m = process.memoryUsage();
  const h = getHeapStatistics();
  console.log(
    JSON.stringify({
      at: label,
      rssMb: rssMb(process.pid),
      peakRssMb: Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024),
      wasmResidentMb: wasmResidentMb(process.pid),
      main: { heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers), heapLimitMb: mb(h.heap_size_limit) },
      ...(worker
        ? { dbWorker: { heapUsedMb: mb(worker.heapUsedBytes), heapTotalMb: mb(worker.heapTotalBytes), externalMb: mb(worker.externalBytes), wasmMb: mb(worker.wasmBytes) } }
        : {}),
    }),
  );
}

/**
 * --alloc: samples where the main thread allocates (including what is collected again) from the
 * app's start to the end of the 30 s, and prints the 25 biggest allocating functions (self and total).
 * --live: the same sampling, counting only what is still live at the end (where the retained heap
 * was allocated).
 */
async function startAllocationSampling() {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  // --live: only what is still live when sampling stops (where the retained heap was allocated)
  const collected = !args.includes('--live');
  await post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: collected, includeObjectsCollectedByMinorGC: collected });
  interface Node {
    callFrame: { functionName: string; url: string; lineNumber: number };
    selfSize: number;
    children: Node[];
  }
  return {
    async stop() {
      const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: { head: Node } };
      const self = new Map<string, number>();
      const total = new Map<string, number>();
      const walk = (n: Node, stack: Set<string>): number => {
        const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*\/main\//, '')}:${n.callFrame.lineNumber + 1}`;
        self.set(k, (self.get(k) ?? 0) + n.selfSize);
        const inner = new Set(stack).add(k);
        let sum = n.selfSize;
        for (const c of n.children) sum += walk(c, inner);
        if (!stack.has(k)) total.set(k, (total.get(k) ?? 0) + sum);
        return sum;
      };
      walk(profile.head, new Set());
      const top = (m: Map<string, number>) =>
        [...m]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 25)
          .map(([k, v]) => `${String(mb(v)).padStart(6)} MB  ${k}`)
          .join('\n');
      console.log(
        `${collected ? 'allocated' : 'live at the end'}, by function (self):\n${top(self)}\n${collected ? 'allocated' : 'live at the end'}, by function (total):\n${top(total)}`,
      );
    },
  };
}

// as main.ts does (lib/heap.ts)
limitHeapGrowth();
report('before the app');
const t0 = performance.now();
const config = configFromEnv({
  DATA_DIR: dir,
  HOST: '127.0.0.1',
  MQTT_PORT: '0',
  HTTP_PORT: '0',
  SIMULATE: '0',
  NODE_RED: 'false',
  LOG_LEVEL: 'warn',
  ALERTS_TICK_MS: '5000',
  STATION_MAX_MSGS_PER_S: '0',
  ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
});
const profile = args.includes('--alloc') || args.includes('--live') ? await startAllocationSampling() : undefined;
const app = await createApp(config);
console.log(`started in ${Math.round(performance.now() - t0)} ms`);
const embedded = app.store.db.embedded;
report('started', await embedded?.memory());
for (let i = 1; i <= (args.includes('--stations') ? 3 : 6); i++) {
  await new Promise((r) => setTimeout(r, 5000));
  report(`${i * 5} s later`, await embedded?.memory());
}
const stations = args.includes('--stations') ? Number(args[args.indexOf('--stations') + 1]) : 0;
if (stations > 0) {
  const METRICS = ['pm25', 'pm10', 'so2', 'no2', 'co', 'o3', 'temp', 'rh', 'pressure', 'wind_speed'];
  const run = runLoad({
    mode: 'fleet',
    url: `mqtt://127.0.0.1:${app.ports.mqtt}`,
    stations: Array.from({ length: stations }, (_, i) => ({ id: `BF-${String(i).padStart(5, '0')}`, secret: SECRET })),
    metrics: METRICS,
    periodMs: 60_000,
    startTs: Date.now() - 10 * 24 * 3_600_000 + Math.floor(Math.random() * 3_600_000) * 24,
    connectConcurrency: 100,
  });
  const { connectMs } = await run.connected;
  console.log(`${stations} stations connected in ${connectMs} ms`);
  for (let i = 1; i <= 4; i++) {
    await new Promise((r) => setTimeout(r, 15_000));
    report(`${stations} stations, ${i * 15} s after connecting`, await embedded?.memory());
  }
  if (profile) await profile.stop();
  if (gc) {
    gc();
    report(`${stations} stations, after a full GC (main thread)`, await embedded?.memory());
  }
  if (snapshot) console.log(`heap snapshot: ${writeHeapSnapshot(snapshot)}`);
  run.stop();
  await run.result.catch((err: unknown) => console.error(`load generator: ${(err as Error).message}`));
  await app.close();
  process.exit(0);
}
if (profile) await profile.stop();
if (gc) {
  gc();
  report('after a full GC (main thread)', await embedded?.memory());
}
if (snapshot) console.log(`heap snapshot: ${writeHeapSnapshot(snapshot)}`);
await app.close();
process.exit(0);
