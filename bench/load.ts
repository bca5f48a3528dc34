/**
 * Load generator for the benchmark suite, run in its own process (bench/suite.ts forks it) so its
 * MQTT clients do not share an event loop with the system under test. Real MQTT 3.1.1 over
 * loopback TCP, QoS 1 (the PUBACK arrives only after the reading is committed).
 *
 * Modes (the spec arrives over IPC as { type: 'spec', spec }; results go back as { type: 'result', ... }):
 * - saturate: every station keeps `window` publishes in flight for durationMs (after warmupMs),
 *   both lengthened on a busy machine until whole rounds of the window are acknowledged
 *   (closedLoopWindow below); `ackTimeline` shows the acknowledgements per 100 ms;
 * - rate: a fixed total rate of messages per second spread over the stations, with optional
 *   socket.io client measuring publish → client for a sample of stations;
 * - fleet: connect every station, each reports once per `periodMs` (staggered); stays connected
 *   until the parent sends { type: 'stop' } (the parent samples RSS and CPU meanwhile);
 * - backlog: every station publishes `backlogReadings` readings as one array (a datalogger
 *   emptying its buffer after an outage), all at once.
 * - broker: the same as saturate, against a bare broker, with one subscriber to `stations/#`
 *   measuring publish → subscriber.
 * Every timestamp is unique per (station, metric): no reading is a duplicate of another.
 */
import mqtt from 'mqtt';
import { io as connectSocket } from 'socket.io-client';

export interface LoadSpec {
  mode: 'saturate' | 'rate' | 'fleet' | 'backlog' | 'broker';
  url: string;
  stations: Array<{ id: string; secret: string }>;
  metrics: string[];
  durationMs?: number;
  warmupMs?: number;
  window?: number;
  /** rate: messages per second in total. */
  messagesPerSecond?: number;
  /** rate: socket.io endpoint, token, and how many stations' rooms to join. */
  socket?: { url: string; token: string; sampleStations: number };
  /** fleet: each station publishes once per periodMs. */
  periodMs?: number;
  /** backlog: readings per station (one per minute, ending an hour ago). */
  backlogReadings?: number;
  /**
   * saturate, broker: the measurement lasts durationMs and then until at least this many rounds of
   * the in-flight window (stations × window acknowledgements each) have been counted (default 2),
   * at most maxMeasureMs (default 60 s). See closedLoopWindow().
   */
  minRounds?: number;
  maxMeasureMs?: number;
  /** Newest timestamp used; each run passes its own so runs never collide. */
  startTs: number;
  connectConcurrency?: number;
}

export interface LoadResult {
  acked: number;
  readings: number;
  failed: number;
  elapsedMs: number;
  connectMs: number;
  publishToAckMs: number[];
  publishToClientMs: number[];
  publishToSubscriberMs: number[];
  /** Publishes sent (whatever their outcome), from the first to the last. */
  published: number;
  /** How long the warm-up lasted (saturate, broker: at least warmupMs and until one round was acknowledged), ms. */
  warmupElapsedMs: number;
  /** Acknowledgements that arrived before the measurement started (warm-up) and after it ended. */
  ackedWarmup: number;
  ackedAfter: number;
  /** Acknowledgements per 100 ms from the first publish (saturate, rate, broker): where a stall shows. */
  ackTimeline: number[];
  /**
   * How many stations had a measured publish wait longer than 1 s and than 5 s: a stall of every
   * station at once (the app or its database stopped) or of a few (their own connections).
   */
  stationsSlowerThan: { '1s': number; '5s': number };
  /** Index of the timeline bucket where the measurement started and ended. */
  measureFromBucket: number;
  measureToBucket: number;
}

// The spec comes over IPC (10,000 stations do not fit in a command line).
const spec = await new Promise<LoadSpec>((resolve) => {
  process.once('message', (m: { type?: string; spec?: LoadSpec }) => m.type === 'spec' && resolve(m.spec!));
  process.send?.({ type: 'hello' });
});
const MAX_SAMPLES = 200_000;
const send = (msg: object) => process.send?.(msg);

function localIso(ms: number): string {
  return new Date(ms + 7 * 3600_000).toISOString().replace('Z', '+07:00');
}

/** Reservoir sampling: bounded memory whatever the run's length. */
function reservoir() {
  const list: number[] = [];
  let seen = 0;
  return {
    list,
    add(v: number) {
      seen++;
      if (list.length < MAX_SAMPLES) list.push(v);
      else {
        const j = Math.floor(Math.random() * seen);
        if (j < MAX_SAMPLES) list[j] = v;
      }
    },
  };
}

const ackLat = reservoir();
/** The slowest measured publish → PUBACK of each station, ms. */
const slowestByStation = new Map<string, number>();
const clientLat = reservoir();
const subLat = reservoir();
let acked = 0;
let published = 0;
let warmupElapsedMs = 0;
let readings = 0;
let failed = 0;
let measuring = false;
let stop = false;
/** Acknowledgements outside the measurement (before and after it), and per 100 ms since `timelineT0`. */
let ackedWarmup = 0;
let ackedAfter = 0;
let measured = false;
let timelineT0 = 0;
const ackTimeline: number[] = [];
let measureFromBucket = -1;
let measureToBucket = -1;
const bucketNow = () => Math.floor((performance.now() - timelineT0) / 100);
function noteAck(): void {
  if (timelineT0 === 0) return;
  const b = bucketNow();
  while (ackTimeline.length <= b) ackTimeline.push(0);
  ackTimeline[b]!++;
  if (measuring) return;
  if (measured) ackedAfter++;
  else ackedWarmup++;
}
/** Starts or ends the measurement, marking it on the timeline. */
function setMeasuring(on: boolean): void {
  measuring = on;
  if (on) measureFromBucket = bucketNow();
  else {
    measured = true;
    measureToBucket = bucketNow();
  }
}

/** Plausible values of a clean urban air station (under every shipped alert threshold), ±10 %. */
const TYPICAL: Record<string, number> = { pm25: 22, pm10: 40, so2: 15, no2: 30, co: 900, o3: 50, temp: 28, rh: 75, pressure: 1008, wind_speed: 2.5, tsp: 60, wind_dir: 180 };

function values(): Record<string, number> {
  const v: Record<string, number> = {};
  for (const m of spec.metrics) v[m] = Math.round((TYPICAL[m] ?? 10) * (0.9 + 0.2 * Math.random()) * 10) / 10;
  return v;
}

async function connectAll(): Promise<{ clients: mqtt.MqttClient[]; connectMs: number }> {
  const clients: mqtt.MqttClient[] = new Array(spec.stations.length);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(spec.connectConcurrency ?? 64, spec.stations.length) }, async () => {
      while (next < spec.stations.length) {
        const i = next++;
        const s = spec.stations[i]!;
        clients[i] = await mqtt.connectAsync(spec.url, {
          clientId: s.id,
          username: s.id,
          password: s.secret,
          protocolVersion: 4,
          reconnectPeriod: 0,
          clean: true,
          connectTimeout: 300_000,
          keepalive: 300,
        });
      }
    }),
  );
  return { clients, connectMs: performance.now() - t0 };
}

/** Publishes one QoS 1 message and records publish → PUBACK; the timestamp key is returned for client matching. */
async function publishOne(client: mqtt.MqttClient, id: string, ts: number, onSent?: (t: number) => void): Promise<void> {
  const payload = JSON.stringify({ ts: localIso(ts), values: values() });
  const t0 = performance.now();
  onSent?.(t0);
  published++;
  try {
    await client.publishAsync(`stations/${id}/readings`, payload, { qos: 1 });
    noteAck();
    if (measuring) {
      acked++;
      readings += spec.metrics.length;
      const ms = performance.now() - t0;
      ackLat.add(ms);
      if (ms > (slowestByStation.get(id) ?? 0)) slowestByStation.set(id, ms);
    }
  } catch {
    failed++;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for the publishes still in flight, at most `ms`: one whose PUBACK never comes is counted
 * as failed (the run then reports it) instead of holding the benchmark forever.
 */
async function drain(inflight: Set<Promise<void>>, ms = 60_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  const how = await Promise.race([Promise.all(inflight).then(() => 'done' as const), late]);
  clearTimeout(timer);
  if (how === 'late') {
    console.error(`load generator: ${inflight.size} publishes still unacknowledged ${ms} ms after the run ended, counted as failed`);
    failed += inflight.size;
  }
}

/**
 * The warm-up and the measurement of a closed loop (saturate, broker), where every station keeps
 * `round / stations` publishes in flight. Acknowledgements then come in bursts: one group commit
 * takes most of a round, its PUBACKs release the next round together, so the figure is counted in
 * steps of a round and a round's cycle (commit, then the main thread's share of it) stretches with
 * the CPU the app gets. On a busy machine a cycle was longer than a 2 s measurement (the app on a
 * third of one core: 200 stations × 4 in flight, 8,000 rows a round, publish → commit p50 2.8 s,
 * first acknowledgement 1.7–2.1 s after the first publish): a window that started after the last
 * burst of the warm-up and ended before the next one counted nothing (0 readings/s while the
 * generator published). So:
 * - the warm-up lasts warmupMs and until a whole round has been acknowledged (the first commit
 *   after the connections waits behind the logins, the connection states and a new chunk);
 * - the measurement lasts durationMs and until `minRounds` rounds have been acknowledged within it,
 *   at most maxMeasureMs: a busy machine lengthens it and lowers the figure, only a real stall
 *   (nothing acknowledged for maxMeasureMs) leaves it at 0.
 * Returns the measured time, ms.
 */
async function closedLoopWindow(round: number, defaultDurationMs: number): Promise<number> {
  const w0 = performance.now();
  const maxMs = spec.maxMeasureMs ?? 60_000;
  await sleep(spec.warmupMs ?? 1000);
  while (ackedWarmup < round && performance.now() - w0 < maxMs && !stop) await sleep(20);
  warmupElapsedMs = performance.now() - w0;
  setMeasuring(true);
  const t0 = performance.now();
  await sleep(spec.durationMs ?? defaultDurationMs);
  const minAcks = round * (spec.minRounds ?? 2);
  while (acked < minAcks && performance.now() - t0 < maxMs) await sleep(20);
  setMeasuring(false);
  return performance.now() - t0;
}

async function saturate(clients: mqtt.MqttClient[]): Promise<number> {
  const window = spec.window ?? 2;
  const lanes: Array<Promise<void>> = [];
  clients.forEach((c, i) => {
    const id = spec.stations[i]!.id;
    for (let lane = 0; lane < window; lane++) {
      lanes.push(
        (async () => {
          let n = 0;
          while (!stop && !c.disconnected) await publishOne(c, id, spec.startTs - 1000 * (lane + window * n++));
        })(),
      );
    }
  });
  const elapsed = await closedLoopWindow(clients.length * window, 5000);
  stop = true;
  await Promise.all(lanes);
  return elapsed;
}

async function rate(clients: mqtt.MqttClient[]): Promise<number> {
  const perSecond = spec.messagesPerSecond ?? 500;
  const sentAt = new Map<string, number>();
  let socket: ReturnType<typeof connectSocket> | undefined;
  const sampled = new Set<string>();
  if (spec.socket) {
    socket = connectSocket(spec.socket.url, { path: '/socket.io/', transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: spec.socket.token } });
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect', () => resolve());
      socket!.once('connect_error', reject);
    });
    for (const s of spec.stations.slice(0, spec.socket.sampleStations)) {
      const ack = (await socket.emitWithAck('subscribe', `station:${s.id}`)) as { ok: boolean };
      if (!ack.ok) throw new Error(`socket.io subscribe to ${s.id} refused`);
      sampled.add(s.id);
    }
    const first = spec.metrics[0]!;
    socket.on('readings', (frame: { station: string; readings: Array<{ metric: string; ts: number }> }) => {
      const now = performance.now();
      for (const r of frame.readings) {
        if (r.metric !== first) continue;
        const k = `${frame.station}|${r.ts}`;
        const t = sentAt.get(k);
        if (t !== undefined) {
          sentAt.delete(k);
          if (measuring) clientLat.add(now - t);
        }
      }
    });
  }
  // One tick every 10 ms sends its share; stations take turns, each walking its own clock back.
  const perTick = perSecond / 100;
  let carry = 0;
  let next = 0;
  const counters = new Array<number>(clients.length).fill(0);
  const inflight = new Set<Promise<void>>();
  const warmup = spec.warmupMs ?? 1000;
  const t0 = performance.now();
  let measureStart = 0;
  let end = Infinity;
  let tick = 0;
  while (performance.now() < end) {
    tick++;
    const elapsed = performance.now() - t0;
    if (!measuring && measureStart === 0 && elapsed >= warmup) {
      setMeasuring(true);
      measureStart = performance.now();
      end = measureStart + (spec.durationMs ?? 5000);
    }
    carry += perTick;
    while (carry >= 1) {
      carry--;
      const i = next++ % clients.length;
      const id = spec.stations[i]!.id;
      const ts = spec.startTs - 1000 * counters[i]!++;
      const onSent = sampled.has(id) ? (t: number) => sentAt.set(`${id}|${ts}`, t) : undefined;
      const p = publishOne(clients[i]!, id, ts, onSent).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    const due = t0 + tick * 10;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
  }
  setMeasuring(false);
  const elapsedMs = performance.now() - measureStart;
  await drain(inflight);
  if (socket) {
    await sleep(1000); // the last frames (frameMs) arrive
    socket.close();
  }
  return elapsedMs;
}

async function fleet(clients: mqtt.MqttClient[]): Promise<number> {
  const period = spec.periodMs ?? 60_000;
  const timers: NodeJS.Timeout[] = [];
  const inflight = new Set<Promise<void>>();
  measuring = true;
  const t0 = performance.now();
  clients.forEach((c, i) => {
    const id = spec.stations[i]!.id;
    let n = 0;
    const fire = () => {
      if (stop) return;
      const p = publishOne(c, id, spec.startTs - 60_000 * n++).finally(() => inflight.delete(p));
      inflight.add(p);
    };
    // staggered over one period, then every period
    timers.push(
      setTimeout(
        () => {
          fire();
          timers.push(setInterval(fire, period));
        },
        (i / clients.length) * period,
      ),
    );
  });
  send({ type: 'connected' });
  await new Promise<void>((resolve) => process.on('message', (m: { type?: string }) => m.type === 'stop' && resolve()));
  stop = true;
  for (const t of timers) clearTimeout(t);
  measuring = false;
  await drain(inflight);
  return performance.now() - t0;
}

async function backlog(clients: mqtt.MqttClient[]): Promise<number> {
  const n = spec.backlogReadings ?? 60;
  const payloads = spec.stations.map(() => {
    const arr = [];
    for (let k = 0; k < n; k++) arr.push({ ts: localIso(spec.startTs - 60_000 * k), values: values() });
    return JSON.stringify(arr);
  });
  measuring = true;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (c, i) => {
      const t = performance.now();
      published++;
      try {
        await c.publishAsync(`stations/${spec.stations[i]!.id}/readings`, payloads[i]!, { qos: 1 });
        acked++;
        readings += n * spec.metrics.length;
        ackLat.add(performance.now() - t);
      } catch {
        failed++;
      }
    }),
  );
  measuring = false;
  return performance.now() - t0;
}

async function brokerAlone(clients: mqtt.MqttClient[]): Promise<number> {
  const subscriber = await mqtt.connectAsync(spec.url, { clientId: 'bench-subscriber', protocolVersion: 4, reconnectPeriod: 0, clean: true });
  await subscriber.subscribeAsync('stations/#', { qos: 1 });
  subscriber.on('message', (_topic, payload) => {
    if (!measuring) return;
    // The publisher put its send time (performance.timeOrigin-based) in the payload.
    const m = /"sent":([0-9.]+)/.exec(payload.toString());
    if (m) subLat.add(performance.timeOrigin + performance.now() - Number(m[1]));
  });
  const window = spec.window ?? 2;
  const lanes: Array<Promise<void>> = [];
  clients.forEach((c, i) => {
    const id = spec.stations[i]!.id;
    for (let lane = 0; lane < window; lane++) {
      lanes.push(
        (async () => {
          let n = 0;
          while (!stop) {
            const ts = spec.startTs - 1000 * (lane + window * n++);
            const t0 = performance.now();
            const payload = JSON.stringify({ ts: localIso(ts), values: values(), sent: performance.timeOrigin + t0 });
            published++;
            try {
              await c.publishAsync(`stations/${id}/readings`, payload, { qos: 1 });
              noteAck();
              if (measuring) {
                acked++;
                readings += spec.metrics.length;
                ackLat.add(performance.now() - t0);
              }
            } catch {
              failed++;
              return;
            }
          }
        })(),
      );
    }
  });
  const elapsed = await closedLoopWindow(clients.length * window, 3000);
  stop = true;
  await Promise.all(lanes);
  await subscriber.endAsync();
  return elapsed;
}

const { clients, connectMs } = await connectAll();
send({ type: 'progress', connected: clients.length, connectMs });
timelineT0 = performance.now();
const elapsedMs =
  spec.mode === 'saturate'
    ? await saturate(clients)
    : spec.mode === 'rate'
      ? await rate(clients)
      : spec.mode === 'fleet'
        ? await fleet(clients)
        : spec.mode === 'backlog'
          ? await backlog(clients)
          : await brokerAlone(clients);
await Promise.all(clients.map((c) => c.endAsync(true)));
const result: LoadResult = {
  acked,
  readings,
  failed,
  elapsedMs,
  connectMs,
  publishToAckMs: ackLat.list,
  publishToClientMs: clientLat.list,
  publishToSubscriberMs: subLat.list,
  published,
  warmupElapsedMs,
  ackedWarmup,
  ackedAfter,
  ackTimeline,
  stationsSlowerThan: { '1s': [...slowestByStation.values()].filter((ms) => ms > 1000).length, '5s': [...slowestByStation.values()].filter((ms) => ms > 5000).length },
  measureFromBucket,
  measureToBucket,
};
// exit only once the (possibly large) result has been handed to the parent
process.send?.({ type: 'result', result }, () => process.disconnect?.());
