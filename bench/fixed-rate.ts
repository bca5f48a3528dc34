/**
 * @module bench/fixed-rate
 * The fixed-rate phase of the performance suite, shared by bench/suite.ts (`npm run bench`) and
 * bench/live-latency.ts (that phase alone): a separate load generator (bench/load.ts, mode
 * 'rate') publishes a fixed number of messages per second with a socket.io client following a
 * sample of the stations' rooms, and a probe station in this process times a threshold crossing
 * → `alertChanged`. Gives publish → commit (PUBACK), publish → socket.io client, threshold →
 * alert and the CPU of the app (main thread apart) while it runs, and how far behind the alert
 * engine was when the phase started and at worst during it (AlertEngine.backlog(): a backlog left
 * by an earlier phase would show there, not hide in the threshold → alert figures).
 */
import mqtt from 'mqtt';
import type { App } from '../app.js';
import { cpuSampler, percentiles, runLoad } from './lib.js';

export interface FixedRateOptions {
  stationIds: string[];
  /** A registered station the probe publishes from (a threshold rule is saved for it). */
  probeId: string;
  /** Every station's MQTT password (the bench registers them with one shared secret). */
  secret: string;
  adminPassword: string;
  metrics: string[];
  messagesPerSecond: number;
  durationMs: number;
  warmupMs: number;
  probes: number;
  /** Newest timestamp of the load's slice of the past, and of the probe's (no two runs collide). */
  startTs: number;
  probeStartTs: number;
}

const mqttUrl = (app: App) => `mqtt://127.0.0.1:${app.ports.mqtt}`;

/** Publishes threshold crossings from a probe station in this process; times publish → alertChanged. */
async function alertProbe(app: App, o: FixedRateOptions): Promise<number[]> {
  const stationId = o.probeId;
  await app.alerts.saveRule(
    {
      id: 'bench.probe',
      name: { en: 'bench probe', vi: 'bench probe' },
      kind: 'threshold',
      scope: { station: stationId },
      metric: 'pm25',
      severity: 'warning',
      op: 'above',
      raise: 500,
      clear: 400,
      over: 'raw',
    },
    'bench',
    'insert',
  );
  const client = await mqtt.connectAsync(mqttUrl(app), { clientId: stationId, username: stationId, password: o.secret, protocolVersion: 4, reconnectPeriod: 0 });
  const out: number[] = [];
  let ts = o.probeStartTs;
  const waitFor = (state: 'opened' | 'resolved') =>
    new Promise<number>((resolve) => {
      const handler = ({ alert, transition }: { alert: { stationId: string }; transition: string }) => {
        if (alert.stationId !== stationId) return;
        if (state === 'opened' ? transition === 'pending' || transition === 'firing' : transition === 'resolved') {
          resolve(performance.now());
        }
      };
      app.bus.on('bench', 'alertChanged', handler);
    });
  for (let i = 0; i < o.probes; i++) {
    const opened = waitFor('opened');
    const t0 = performance.now();
    await client.publishAsync(`stations/${stationId}/readings`, JSON.stringify({ ts: new Date((ts += 60_000)).toISOString(), values: { pm25: 900 } }), { qos: 1 });
    out.push((await opened) - t0);
    app.bus.removeOwner('bench');
    const resolved = waitFor('resolved');
    await client.publishAsync(`stations/${stationId}/readings`, JSON.stringify({ ts: new Date((ts += 60_000)).toISOString(), values: { pm25: 10 } }), { qos: 1 });
    await resolved;
    app.bus.removeOwner('bench');
    await new Promise((r) => setTimeout(r, 50));
  }
  await client.endAsync();
  return out;
}

/** Runs the fixed-rate phase against `app` (its stations and the probe registered with `secret`). */
export async function fixedRate(app: App, o: FixedRateOptions) {
  const login = await fetch(`http://127.0.0.1:${app.ports.http}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: o.adminPassword }),
  });
  const { token } = (await login.json()) as { token: string };
  const run = runLoad({
    mode: 'rate',
    url: mqttUrl(app),
    stations: o.stationIds.map((id) => ({ id, secret: o.secret })),
    metrics: o.metrics,
    messagesPerSecond: o.messagesPerSecond,
    durationMs: o.durationMs,
    warmupMs: o.warmupMs,
    socket: { url: `http://127.0.0.1:${app.ports.http}`, token, sampleStations: Math.min(100, o.stationIds.length) },
    startTs: o.startTs,
  });
  const atStart = app.alerts.backlog();
  await run.connected;
  await new Promise((r) => setTimeout(r, o.warmupMs));
  const cpu = cpuSampler(run.child.pid);
  const reRead0 = app.alerts.backlog().lateHoursReRead;
  let worst = { steps: 0, oldestMs: 0, lateHoursWaiting: 0 };
  const sampler = setInterval(() => {
    const b = app.alerts.backlog();
    worst = { steps: Math.max(worst.steps, b.steps), oldestMs: Math.max(worst.oldestMs, b.oldestMs), lateHoursWaiting: Math.max(worst.lateHoursWaiting, b.lateHoursWaiting) };
  }, 100);
  const probe = await alertProbe(app, o).finally(() => clearInterval(sampler));
  const r = await run.result;
  const usage = cpu.stop();
  const alertEngine = { atStart, worstDuringProbes: worst, lateHoursReReadDuringProbes: app.alerts.backlog().lateHoursReRead - reRead0 };
  return {
    readingsPerSecondOffered: o.messagesPerSecond * o.metrics.length,
    readingsPerSecondStored: Math.round(r.readings / (r.elapsedMs / 1000)),
    publishToCommitMs: percentiles(r.publishToAckMs),
    publishToClientMs: percentiles(r.publishToClientMs),
    thresholdToAlertMs: percentiles(probe),
    alertEngine,
    realtimeFrameMs: app.config.dashboard.frameMs,
    failedPublishes: r.failed,
    cpu: usage,
  };
}
