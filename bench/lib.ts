/**
 * Benchmark helpers: percentiles, the machine's description, and CPU/memory read from /proc
 * (per process and per thread, so the main thread can be told from the embedded database's
 * worker), plus the child processes that drive the load (bench/load.ts) and that are an
 * analyst's HTTP client (bench/http-client.ts).
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { hashSecret } from '../lib/passwords.js';
import type { Db } from '../store/db.js';
import type { HttpClientReply, HttpClientRequest } from './http-client.js';
import type { LoadResult, LoadSpec } from './load.js';

const CLK_TCK = 100; // USER_HZ on Linux

/** The admin password of the apps the benchmarks start. */
export const BENCH_ADMIN_PASSWORD = 'bench-admin-pw';
/** The one secret every bench station shares. */
export const BENCH_STATION_SECRET = 'bench-shared-station-secret-0123456789';

/**
 * Registers `stationIds` (air-quality profile, around Hà Nội) straight into the database, 5,000 a
 * statement, all with ONE hash of BENCH_STATION_SECRET at cheap scrypt parameters (N=2^10): the
 * broker verifies them exactly as in production (the parameters are read from the stored hash),
 * but registering and first-connecting 10,000 stations at the production cost would take minutes
 * of hashing and measure nothing else. A running app's station directory still has to read them in
 * (`app.directory.refresh(id)`); an app started afterwards loads them itself.
 */
export async function registerBenchStations(db: Db, stationIds: readonly string[]): Promise<void> {
  const hash = await hashSecret(BENCH_STATION_SECRET, { N: 1 << 10, r: 8, p: 1 });
  for (let i = 0; i < stationIds.length; i += 5000) {
    const chunk = stationIds.slice(i, i + 5000);
    await db.query(
      `INSERT INTO stations (id, name, profile_id, lat, lon, province, timezone, simulated, attributes)
       SELECT id, id, 'air-quality', 21.0 + random() * 0.5, 105.5 + random() * 0.5, 'Hà Nội', 'Asia/Ho_Chi_Minh', false, '{}'::jsonb FROM unnest($1::text[]) AS id
       ON CONFLICT (id) DO NOTHING`,
      [chunk],
    );
    await db.query(`INSERT INTO station_credentials (station_id, secret_hash) SELECT id, $2 FROM unnest($1::text[]) AS id ON CONFLICT DO NOTHING`, [chunk, hash]);
  }
}

let built = false;
/**
 * Brings dist/ up to date once per process (`node tools/build.mjs`, as `npm start`'s prestart
 * does), so a phase that runs the compiled build as `npm start` does measures the code of this
 * checkout, not a stale build. Throws if the build fails.
 */
export function buildOnce(): void {
  if (built) return;
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('../tools/build.mjs', import.meta.url))], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`bench: the build failed (exit ${r.status}); see the output above`);
  built = true;
}

/**
 * The configuration of an app the load benchmarks start in their own process (bench/suite.ts,
 * bench/live-latency.ts): ports 0, no simulated fleet, no Node-RED, `DATABASE_URL` when set, and
 * no per-station rate limit (the bench drives stations far above a real datalogger's rate on purpose).
 */
export function benchAppConfig(dataDir: string) {
  return {
    dataDir,
    host: '127.0.0.1',
    mqtt: { port: 0 },
    http: { port: 0 },
    simulate: 0,
    logLevel: 'warn' as const,
    adminPassword: BENCH_ADMIN_PASSWORD,
    databaseUrl: process.env['DATABASE_URL'] ?? '',
    automation: { enabled: false },
    security: { stationMaxMsgsPerSecond: 0 },
  };
}

/**
 * The nearest-rank percentile of ascending samples: the smallest with at least p % of them at or
 * below it (NaN for none). Until 2026-12-06 the index was p % of the count rounded down, one rank
 * higher whenever that product is whole: the p95 of 20 samples was their slowest.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function percentiles(samples: number[]): { p50: number; p95: number; p99: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  const r = (v: number) => (Number.isNaN(v) ? NaN : Math.round(v * 10) / 10);
  return { p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), p99: r(percentile(s, 99)), n: s.length };
}

export function machine() {
  const memTotal = totalmem();
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    memoryGb: Math.round(memTotal / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** utime + stime of a process or one of its threads, ms. */
function cpuMsOf(statPath: string): number {
  try {
    const stat = readFileSync(statPath, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

export function processCpuMs(pid: number): number {
  return cpuMsOf(`/proc/${pid}/stat`);
}

export function threadCpuMs(pid: number, tid: number): number {
  return cpuMsOf(`/proc/${pid}/task/${tid}/stat`);
}

/** Busy and total jiffies of the whole machine (/proc/stat). */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (line[3] ?? 0) + (line[4] ?? 0);
  const total = line.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Resident MB of the WebAssembly memories of a process (the embedded database's PGlite), read from
 * /proc/<pid>/smaps: V8 reserves each 64-bit WebAssembly memory with its guard region (8 GB or
 * more) and makes the memory's current size read-write, so it shows as a read-write anonymous
 * mapping followed at once by an inaccessible one, together at least 4 GB. NaN when unreadable.
 */
export function wasmResidentMb(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return NaN;
  }
  const maps: Array<{ start: bigint; end: bigint; perms: string; anon: boolean; rssKb: number }> = [];
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) maps.push({ start: BigInt(`0x${head[1]}`), end: BigInt(`0x${head[2]}`), perms: head[3]!, anon: head[4]!.trim() === '', rssKb: 0 });
    else {
      const rss = /^Rss:\s+(\d+) kB/.exec(line);
      if (rss && maps.length > 0) maps[maps.length - 1]!.rssKb = Number(rss[1]);
    }
  }
  let kb = 0;
  for (let i = 0; i + 1 < maps.length; i++) {
    const m = maps[i]!;
    const next = maps[i + 1]!;
    if (m.anon && m.perms.startsWith('rw') && next.anon && next.perms.startsWith('---') && next.start === m.end && next.end - m.start >= 4n * 2n ** 30n) kb += m.rssKb;
  }
  return Math.round(kb / 1024);
}

/** CPU ms of every thread of this process, by thread id. */
function threadsCpuMs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) out.set(Number(tid), threadCpuMs(pid, Number(tid)));
  } catch {
    // not Linux: no per-thread figures
  }
  return out;
}

export function threadCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return NaN;
  }
}

/**
 * Samples CPU between start and stop: the app's process (this one unless `appPid` is given; main
 * thread and all other threads: the embedded database's worker, GC, libuv), the load generator,
 * and the machine. Percent of one core. The main event loop's utilization is this process's: NaN
 * when the app runs in another.
 */
export function cpuSampler(loadPid?: number, appPid: number = process.pid) {
  const pid = appPid;
  const wall0 = performance.now();
  const app0 = processCpuMs(pid);
  const main0 = threadCpuMs(pid, pid);
  const load0 = loadPid ? processCpuMs(loadPid) : NaN;
  // the generator may exit before stop(): keep its last reading
  let loadLast = load0;
  const poll = setInterval(() => {
    const v = loadPid ? processCpuMs(loadPid) : NaN;
    if (!Number.isNaN(v)) loadLast = v;
  }, 200);
  const m0 = machineCpu();
  const elu0 = performance.eventLoopUtilization();
  const threads0 = threadsCpuMs(pid);
  return {
    stop() {
      const wall = performance.now() - wall0;
      const app = processCpuMs(pid) - app0;
      const main = threadCpuMs(pid, pid) - main0;
      clearInterval(poll);
      const latest = loadPid ? processCpuMs(loadPid) : NaN;
      const load = (Number.isNaN(latest) ? loadLast : latest) - load0;
      const m1 = machineCpu();
      const pct = (ms: number) => Math.round((ms / wall) * 100);
      // the busiest thread other than the main one: the embedded database's worker when there is one
      let busiest = 0;
      for (const [tid, ms] of threadsCpuMs(pid)) if (tid !== pid) busiest = Math.max(busiest, ms - (threads0.get(tid) ?? 0));
      return {
        appCpuPct: pct(app),
        appMainThreadCpuPct: pct(main),
        appOtherThreadsCpuPct: pct(app - main),
        appBusiestOtherThreadCpuPct: pct(busiest),
        loadGeneratorCpuPct: Number.isNaN(load) ? null : pct(load),
        machineBusyPct: Math.round(((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * 100),
        mainEventLoopUtilization: pid === process.pid ? Math.round(performance.eventLoopUtilization(elu0).utilization * 100) / 100 : NaN,
      };
    },
  };
}

export interface LoadRun {
  child: ChildProcess;
  /** Resolves when the generator reports its clients connected (fleet mode) or at the result. */
  connected: Promise<{ connectMs: number }>;
  result: Promise<LoadResult>;
  stop(): void;
}

/** Forks bench/load.ts with `spec`. */
export function runLoad(spec: LoadSpec): LoadRun {
  const child = fork(fileURLToPath(new URL('./load.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let onConnected: (v: { connectMs: number }) => void = () => undefined;
  let onNeverConnected: (err: Error) => void = () => undefined;
  const connected = new Promise<{ connectMs: number }>((resolve, reject) => {
    onConnected = resolve;
    onNeverConnected = reject;
  });
  // a generator that dies before it reports connected must fail the phase, not leave it waiting forever
  child.once('exit', (code, signal) => onNeverConnected(new Error(`load generator exited (${code ?? signal}) before its clients connected`)));
  // reported here too, so a phase that never awaits it (it already has its result) has no unhandled rejection
  connected.catch((err: unknown) => console.error(`load generator: ${(err as Error).message}`));
  const result = new Promise<LoadResult>((resolve, reject) => {
    let got: LoadResult | undefined;
    child.on('message', (m: { type: string; result?: LoadResult; connectMs?: number }) => {
      if (m.type === 'hello') child.send({ type: 'spec', spec });
      if (m.type === 'progress') onConnected({ connectMs: m.connectMs ?? NaN });
      if (m.type === 'result') {
        got = m.result;
        onConnected({ connectMs: got!.connectMs });
      }
    });
    child.once('exit', (code) => (got ? resolve(got) : reject(new Error(`load generator exited with ${code} without a result`))));
  });
  return { child, connected, result, stop: () => child.connected && child.send({ type: 'stop' }) };
}

export interface HttpClient {
  /** GETs `url` `runs` times, one after another, each read to its last byte: each request's ms. */
  time(url: string, headers: Record<string, string>, runs: number): Promise<{ bytes: number; ms: number[] }>;
  /**
   * One GET read to its end in the client process, counting lines; `onProgress` every
   * `progressEvery` lines; `signal` cuts it (then `aborted`, with the lines read until then).
   */
  stream(
    url: string,
    headers: Record<string, string>,
    options?: { progressEvery?: number; onProgress?: (lines: number) => void; signal?: AbortSignal },
  ): Promise<{ bytes: number; lines: number; ms: number; aborted: boolean }>;
  close(): void;
}

/**
 * Forks bench/http-client.ts: an HTTP client in its own process, as an analyst's is, so what it
 * costs to receive an answer is not counted in the server's event loop and heap. A status other
 * than 200 rejects with the body's start.
 */
export async function httpClient(): Promise<HttpClient> {
  const child = fork(fileURLToPath(new URL('./http-client.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (r: HttpClientReply & { type: 'done' }) => void; reject: (e: Error) => void; onProgress?: (lines: number) => void }>();
  let nextId = 0;
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`http client exited (${code}) before it was ready`)));
  });
  child.on('message', (m: HttpClientReply) => {
    const p = pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') p.onProgress?.(m.lines);
    else {
      pending.delete(m.id);
      if (m.status === 200 || m.error === 'aborted') p.resolve(m);
      else p.reject(new Error(`GET answered ${m.status}: ${m.error ?? ''}`));
    }
  });
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`http client exited (${code})`));
    pending.clear();
  });
  const ask = (req: HttpClientRequest, onProgress?: (lines: number) => void) =>
    new Promise<HttpClientReply & { type: 'done' }>((resolve, reject) => {
      pending.set(req.id, { resolve, reject, onProgress });
      child.send(req);
    });
  return {
    async time(url, headers, runs) {
      const r = await ask({ type: 'time', id: nextId++, url, headers, runs });
      return { bytes: r.bytes, ms: r.ms };
    },
    async stream(url, headers, options = {}) {
      const id = nextId++;
      const abort = () => child.connected && child.send({ type: 'abort', id } satisfies HttpClientRequest);
      options.signal?.addEventListener('abort', abort, { once: true });
      try {
        const r = await ask({ type: 'stream', id, url, headers, progressEvery: options.progressEvery ?? 0 }, options.onProgress);
        return { bytes: r.bytes, lines: r.lines, ms: r.ms[0]!, aborted: r.error === 'aborted' };
      } finally {
        options.signal?.removeEventListener('abort', abort);
      }
    },
    close: () => {
      if (child.connected) child.send({ type: 'close' });
    },
  };
}

/** The value of the sample `name` (with its labels, as written) in a Prometheus text page, NaN if absent. */
export function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

/** `what`, or a rejection with `message` (default: no answer within `ms` ms) once `ms` have passed; the timer is cleared either way. */
export function within<T>(what: Promise<T>, ms: number, message = `no answer within ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([what, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
