/**
 * Load generator for the benchmark, run in its own process so that its MQTT clients do not
 * share a CPU core's event loop with the system under test. Each station keeps `window`
 * QoS 1 publishes in flight and measures publish → PUBACK (= commit) latency.
 *
 * Input (argv[2], JSON): { url, stations: [{id, secret}], metrics: string[], durationMs, window, warmupMs }
 * Output (stdout, one JSON line): { acked, readings, failed, latenciesMs: number[] (sampled), elapsedMs, connectMs }
 */
import mqtt from 'mqtt';

interface LoadSpec {
  url: string;
  stations: Array<{ id: string; secret: string }>;
  metrics: string[];
  durationMs: number;
  warmupMs: number;
  window: number;
  /** Shift every timestamp back by this many hours, so repeated runs never collide. */
  offsetHours?: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const MAX_SAMPLES = 200_000;

function localIso(ms: number): string {
  return new Date(ms + 7 * 3600_000).toISOString().replace('Z', '+07:00');
}

// Connect with bounded concurrency: each first CONNECT costs the broker a memory-hard hash.
const clients: mqtt.MqttClient[] = new Array(spec.stations.length);
const connectStart = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(32, spec.stations.length) }, async () => {
    while (next < spec.stations.length) {
      const i = next++;
      const s = spec.stations[i]!;
      clients[i] = await mqtt.connectAsync(spec.url, { clientId: s.id, username: s.id, password: s.secret, protocolVersion: 4, reconnectPeriod: 0, clean: true, connectTimeout: 120_000 });
    }
  }),
);
const connectMs = performance.now() - connectStart;

let measuring = false;
let stop = false;
let acked = 0;
let failed = 0;
const latencies: number[] = [];
let seen = 0;
// Each station walks its own clock backwards from now, one second per message, so every
// reading has a unique (station, metric, ts) and none is a duplicate.
const start = Date.now() - (spec.offsetHours ?? 0) * 3_600_000 * 24;

async function drive(client: mqtt.MqttClient, id: string, lane: number): Promise<void> {
  let n = 0;
  while (!stop) {
    const ts = start - 1000 * (lane + spec.window * n++);
    const values: Record<string, number> = {};
    for (const m of spec.metrics) values[m] = Math.round(Math.random() * 1000) / 10;
    const payload = JSON.stringify({ ts: localIso(ts), values });
    const t0 = performance.now();
    try {
      await client.publishAsync(`stations/${id}/readings`, payload, { qos: 1 });
      if (measuring) {
        acked++;
        seen++;
        const ms = performance.now() - t0;
        if (latencies.length < MAX_SAMPLES) latencies.push(ms);
        else {
          const j = Math.floor(Math.random() * seen);
          if (j < MAX_SAMPLES) latencies[j] = ms;
        }
      }
    } catch {
      failed++;
      return;
    }
  }
}

const lanes: Array<Promise<void>> = [];
clients.forEach((c, i) => {
  for (let lane = 0; lane < spec.window; lane++) lanes.push(drive(c, spec.stations[i]!.id, lane));
});
await new Promise((r) => setTimeout(r, spec.warmupMs));
measuring = true;
const t0 = performance.now();
await new Promise((r) => setTimeout(r, spec.durationMs));
measuring = false;
const elapsedMs = performance.now() - t0;
stop = true;
await Promise.all(lanes);
await Promise.all(clients.map((c) => c.endAsync()));
process.stdout.write(JSON.stringify({ acked, readings: acked * spec.metrics.length, failed, latenciesMs: latencies, elapsedMs, connectMs }) + '\n');
