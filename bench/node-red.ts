/**
 * What a busy Node-RED flow costs ingest: the same QoS 1 load (real MQTT clients in a separate
 * process) with no flow, then with a flow that handles every committed reading (quantrac reading →
 * function keeping a rolling mean per station and metric → change), then with a flow whose function
 * burns 20 ms of CPU per batch of readings. Run: npx tsx bench/node-red.ts [--quick]
 */
import { rmSync } from 'node:fs';
import { createApp } from '../app.js';
import { countReadings } from '../store/readings.js';
import { tempDataDir } from '../test/helpers/app.js';
import { percentile, runLoad } from './lib.js';

const quick = process.argv.includes('--quick');
const METRICS = ['pm25', 'pm10', 'so2', 'no2', 'co', 'o3', 'temp', 'rh', 'pressure', 'wind_speed'];
const dataDir = tempDataDir();
const app = await createApp({
  dataDir,
  host: '127.0.0.1',
  mqtt: { port: 0 },
  http: { port: 0 },
  simulate: 0,
  logLevel: 'warn',
  adminPassword: 'bench-admin-pw',
  automation: { enabled: true },
});
const base = `http://127.0.0.1:${app.ports.http}`;

const tokenRes = await fetch(`${base}/red/auth/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: 'bench-admin-pw' }),
});
const token = ((await tokenRes.json()) as { access_token: string }).access_token;
async function deploy(flows: unknown[]): Promise<void> {
  const res = await fetch(`${base}/red/flows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify({ flows }),
  });
  if (res.status !== 200) throw new Error(`deploy failed: ${res.status}`);
}

const stations: Array<{ id: string; secret: string }> = [];
for (let i = 0; i < (quick ? 50 : 200); i++) {
  const created = await app.directory.register({ id: `NRB-${i}`, name: `NRB ${i}`, profileId: 'air-quality', lat: 21, lon: 105.8 });
  stations.push({ id: created!.station.id, secret: created!.secret });
}

/**
 * One closed-loop load from its own process (bench/lib.ts runLoad: the spec and the result go over
 * IPC); each run writes its own hour, `offsetHours` back, so runs never collide.
 */
async function load(offsetHours: number): Promise<{ readings: number; elapsedMs: number; latenciesMs: number[]; failed: number }> {
  const r = await runLoad({
    mode: 'saturate',
    url: `mqtt://127.0.0.1:${app.ports.mqtt}`,
    stations: stations.map((s) => ({ ...s })),
    metrics: METRICS,
    durationMs: quick ? 4000 : 10_000,
    warmupMs: 1000,
    window: 2,
    startTs: Date.now() - offsetHours * 3_600_000,
  }).result;
  return { readings: r.readings, elapsedMs: r.elapsedMs, latenciesMs: r.publishToAckMs, failed: r.failed };
}

const p99 = (xs: number[]) =>
  percentile(
    xs.sort((a, b) => a - b),
    99,
  );
const rows: Array<Record<string, unknown>> = [];
const scenarios: Array<[string, unknown[]]> = [
  ['no flow', []],
  [
    'rolling mean on every reading',
    [
      { id: 't1', type: 'tab', label: 'busy' },
      { id: 'r1', type: 'quantrac-reading', z: 't1', quality: 'all', output: 'each', wires: [['f1']] },
      {
        id: 'f1',
        type: 'function',
        z: 't1',
        func: "const k = msg.reading.station + '/' + msg.reading.metric; const m = context.get(k) || { n: 0, mean: 0 }; m.n++; m.mean += (msg.payload - m.mean) / m.n; context.set(k, m); msg.mean = m.mean; return msg;",
        outputs: 1,
        wires: [['c1']],
      },
      { id: 'c1', type: 'change', z: 't1', rules: [{ t: 'set', p: 'topic', pt: 'msg', to: 'mean', tot: 'str' }], wires: [[]] },
    ],
  ],
  [
    '20 ms of CPU per committed batch',
    [
      { id: 't2', type: 'tab', label: 'heavy' },
      { id: 'r2', type: 'quantrac-reading', z: 't2', quality: 'all', output: 'batch', wires: [['f2']] },
      { id: 'f2', type: 'function', z: 't2', func: 'const end = Date.now() + 20; while (Date.now() < end) {} return null;', outputs: 1, wires: [[]] },
    ],
  ],
];
let offset = 0;
for (const [name, flows] of scenarios) {
  await deploy(flows);
  const before = await countReadings(app.store.db);
  const r = await load(offset++);
  const stored = (await countReadings(app.store.db)) - before;
  rows.push({
    scenario: name,
    readingsPerSecondStored: Math.round(r.readings / (r.elapsedMs / 1000)),
    p99PublishToCommitMs: +p99(r.latenciesMs).toFixed(1),
    storedRows: stored,
    failedPublishes: r.failed,
    droppedForFlows: app.automation?.host.shedder.dropped ?? 0,
  });
}
await app.close();
rmSync(dataDir, { recursive: true, force: true });
console.log(`Node-RED cost on ingest (${stations.length} stations × ${METRICS.length} metrics, QoS 1, embedded TimescaleDB)`);
console.table(rows);
// Node-RED's editor keeps its login sessions' expiry on a timer of its own module (12 h here,
// @node-red/editor-api auth/tokens.js) that its stop leaves running: the bench ends itself
// (main.ts exits the same way after closing the app).
process.exit(0);
