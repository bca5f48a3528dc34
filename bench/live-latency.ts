/**
 * @module bench/live-latency
 * The suite's fixed-rate phase alone (bench/fixed-rate.ts), for work on the live stream
 * (api/realtime): starts Quantrac in this process on a fresh embedded database like
 * bench/suite.ts, registers the stations, publishes 10-metric messages at a fixed rate (default
 * 500/s = 5,000 readings/s) from a separate load generator with a socket.io client following 100
 * stations' rooms, and prints publish → commit, publish → socket.io client, threshold → alert,
 * the CPU of the app's main thread and the readings frames sent per second, as JSON. It also
 * gives commit → client (`readingsAccepted` on the bus → a socket.io client in this process, same
 * clock, the same 100 rooms) and commit → written (the same, to the moment engine.io hands the
 * frame to a client's transport): the live stream's own share, which the commit's tail on a shared
 * machine does not hide.
 *
 *   npx tsx bench/live-latency.ts [--seconds 15] [--stations 1000] [--rate 500] [--probes 10] [--runs 1]
 *
 * `--runs N` repeats the phase N times against the same app (fresh slices of the past each time).
 */
import { rmSync } from 'node:fs';
import { io as connectSocket } from 'socket.io-client';
import { createApp, type App } from '../app.js';
import { hashSecret } from '../lib/passwords.js';
import { tempDataDir } from '../test/helpers/app.js';
import { login } from '../test/helpers/child-app.js';
import { fixedRate } from './fixed-rate.js';
import { BENCH_ADMIN_PASSWORD, benchAppConfig, percentiles } from './lib.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('seconds', 15);
const stationCount = arg('stations', 1000);
const rate = arg('rate', 500);
const probes = arg('probes', 10);
const runs = arg('runs', 1);
const METRICS_10 = ['pm25', 'pm10', 'so2', 'no2', 'co', 'o3', 'temp', 'rh', 'pressure', 'wind_speed'];
const SECRET = 'bench-shared-station-secret-0123456789';
const DAY = 86_400_000;

/** Follows the first `n` stations' rooms from this process and times readingsAccepted → frame received (pm25 only). */
async function commitToClient(app: App, stationIds: string[], n: number) {
  const token = await login(`http://127.0.0.1:${app.ports.http}`, 'admin', BENCH_ADMIN_PASSWORD);
  const socket = connectSocket(`http://127.0.0.1:${app.ports.http}`, { path: '/socket.io/', transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
  await new Promise<void>((resolve, reject) => (socket.once('connect', () => resolve()), socket.once('connect_error', reject)));
  const sampled = new Set(stationIds.slice(0, n));
  for (const id of sampled) await socket.emitWithAck('subscribe', `station:${id}`);
  const committedAt = new Map<string, number>();
  const writtenAt = new Map<string, number>();
  let samples: number[] = [];
  let written: number[] = [];
  // commit → handed to a client's transport (engine.io's 'flush'): the server's share alone, without the client's event loop
  const onFlush = (_socket: unknown, packets: Array<{ type: string; data?: unknown }>) => {
    const t = performance.now();
    for (const p of packets) {
      if (p.type !== 'message' || typeof p.data !== 'string' || !p.data.startsWith('2["readings"')) continue;
      const [, frame] = JSON.parse(p.data.slice(1)) as [string, { station: string; readings: Array<{ metric: string; ts: number }> }];
      for (const r of frame.readings) {
        const k = `${frame.station}|${r.ts}`;
        const at = r.metric === 'pm25' && !writtenAt.has(k) ? committedAt.get(k) : undefined;
        if (at === undefined) continue;
        writtenAt.set(k, t);
        written.push(t - at);
      }
    }
  };
  app.http.realtime.io.engine.on('flush', onFlush);
  app.bus.on('bench-live', 'readingsAccepted', ({ readings }) => {
    const t = performance.now();
    for (const r of readings) if (r.metric === 'pm25' && sampled.has(r.stationId) && committedAt.size < 100_000) committedAt.set(`${r.stationId}|${r.ts}`, t);
  });
  socket.on('readings', (frame: { station: string; readings: Array<{ metric: string; ts: number }> }) => {
    const t = performance.now();
    for (const r of frame.readings) {
      const k = `${frame.station}|${r.ts}`;
      const at = r.metric === 'pm25' ? committedAt.get(k) : undefined;
      if (at === undefined) continue;
      committedAt.delete(k);
      writtenAt.delete(k);
      samples.push(t - at);
    }
  });
  return {
    take() {
      const out = { commitToClientMs: percentiles(samples), commitToWrittenMs: percentiles(written) };
      samples = [];
      written = [];
      return out;
    },
    close() {
      app.http.realtime.io.engine.off('flush', onFlush);
      app.bus.removeOwner('bench-live');
      socket.close();
    },
  };
}

const dataDir = tempDataDir();
const start = () => createApp(benchAppConfig(dataDir));
// registered straight into the database, then a restart loads them (as bench/suite.ts)
let app = await start();
try {
  const stationIds = Array.from({ length: stationCount }, (_, i) => `LL-${String(i).padStart(5, '0')}`);
  const probeId = 'LL-PROBE';
  // one shared cheap hash straight into the database, as bench/suite.ts (see its header)
  const hash = await hashSecret(SECRET, { N: 1 << 10, r: 8, p: 1 });
  const all = [...stationIds, probeId];
  await app.store.db.query(
    `INSERT INTO stations (id, name, profile_id, lat, lon, province, timezone, simulated, attributes)
     SELECT id, id, 'air-quality', 21.0 + random() * 0.5, 105.5 + random() * 0.5, 'Hà Nội', 'Asia/Ho_Chi_Minh', false, '{}'::jsonb FROM unnest($1::text[]) AS id
     ON CONFLICT (id) DO NOTHING`,
    [all],
  );
  await app.store.db.query(`INSERT INTO station_credentials (station_id, secret_hash) SELECT id, $2 FROM unnest($1::text[]) AS id ON CONFLICT DO NOTHING`, [all, hash]);
  await app.close();
  app = await start();
  let past = Date.now() - 3_600_000;
  const follower = await commitToClient(app, stationIds, 100);
  for (let run = 0; run < runs; run++) {
    const frames0 = app.http.realtime.framesSent.readings;
    const t0 = performance.now();
    const r = await fixedRate(app, {
      stationIds,
      probeId,
      secret: SECRET,
      adminPassword: BENCH_ADMIN_PASSWORD,
      metrics: METRICS_10,
      messagesPerSecond: rate,
      durationMs: seconds * 1000,
      warmupMs: 3000,
      probes,
      startTs: (past -= DAY),
      probeStartTs: (past -= DAY),
    });
    const wallS = (performance.now() - t0) / 1000;
    const framesPerSecond = Math.round((app.http.realtime.framesSent.readings - frames0) / wallS);
    console.log(JSON.stringify({ run, stations: stationCount, ...r, ...follower.take(), readingsFramesPerSecond: framesPerSecond }));
  }
  follower.close();
} finally {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);
