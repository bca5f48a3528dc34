/**
 * Multi-node mode (cluster/, docs/SCALING.md): two Quantrac nodes on loopback share Redis
 * (Debian's redis-server: Aedes routing and sessions through mqemitter-redis and
 * aedes-persistence-redis, socket.io through its Redis adapter, the timer lease) and one
 * database server (test/helpers/cluster-infra.ts). Stations publish through both nodes.
 */
import { existsSync } from 'node:fs';
import { io as connectSocket, type Socket } from 'socket.io-client';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import type { ReadingsFrame } from '../domain/live.js';
import { PGBOUNCER, REDIS_SERVER, startClusterInfra, type ClusterInfra } from './helpers/cluster-infra.js';
import { localIso, startTestApp, type TestApp } from './helpers/app.js';

const available = existsSync(REDIS_SERVER) && existsSync(PGBOUNCER);
let infra: ClusterInfra;
let a: TestApp;
let b: TestApp;
const stations: Record<'A' | 'B', { id: string; secret: string }> = { A: { id: 'MN-A', secret: '' }, B: { id: 'MN-B', secret: '' } };
const RULE = 'test.multinode.pm25';
const N = 30;
const base = Date.now() - 2 * 3_600_000;

beforeAll(async () => {
  if (!available) throw new Error(`multi-node test needs ${REDIS_SERVER} and ${PGBOUNCER} (apt-get install redis-server pgbouncer; .ci/run installs them)`);
  infra = await startClusterInfra();
  const node = (nodeId: string) => ({ databaseUrl: infra.databaseUrl, store: { poolSize: 2 }, cluster: { redisUrl: infra.redisUrl, nodeId, leaseMs: 2000 } });
  a = await startTestApp(node('node-a'));
  // Stations and rules are created before node B starts (B loads them at start; see docs/SCALING.md).
  for (const k of ['A', 'B'] as const) stations[k] = await a.createStation({ id: stations[k].id });
  const rule = await a.api('POST', '/api/v1/rules', {
    id: RULE,
    name: { en: 'PM2.5 above 100', vi: 'PM2,5 vượt 100' },
    kind: 'threshold',
    scope: { station: stations.A.id },
    metric: 'pm25',
    severity: 'warning',
    op: 'above',
    raise: 100,
    clear: 80,
    over: 'raw',
  });
  expect(rule.status).toBe(201);
  b = await startTestApp(node('node-b'));
}, 120_000);

afterAll(async () => {
  await b?.close(true);
  await a?.close(true);
  await infra?.close();
});

/** Waits (bounded) for a relayed change to arrive: Redis pub/sub is asynchronous. */
async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the change did not reach the other node');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function publishSeries(client: MqttClient, id: string, from: number, count: number, value: (i: number) => number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await client.publishAsync(`stations/${id}/readings`, JSON.stringify({ ts: localIso(from + i * 60_000), values: { pm25: value(i), pm10: 40 } }), { qos: 1 });
  }
}

describe('multi-node mode', () => {
  it('refuses REDIS_URL with the embedded database', () => {
    expect(() => resolveConfig({ cluster: { redisUrl: 'redis://127.0.0.1:6379' } })).toThrow(/REDIS_URL: multi-node mode needs DATABASE_URL/);
  });

  it("stores every reading published through either node once, and streams node A's readings to a client on node B", async () => {
    expect([a.app.cluster.isLeader(), b.app.cluster.isLeader()].filter(Boolean)).toHaveLength(1);

    const socket: Socket = connectSocket(b.baseUrl, { path: '/socket.io/', transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: b.adminToken } });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const ack = await socket.emitWithAck('subscribe', `station:${stations.A.id}`);
      expect(ack).toEqual({ ok: true });
      const seen: number[] = [];
      const all = new Promise<void>((resolve) => {
        socket.on('readings', (frame: ReadingsFrame) => {
          if (frame.station !== stations.A.id) return;
          for (const r of frame.readings) if (r.metric === 'pm25') seen.push(r.value as number);
          if (seen.length >= N) resolve();
        });
      });

      const onA = await a.connectStation(stations.A.id, stations.A.secret);
      const onB = await b.connectStation(stations.B.id, stations.B.secret);
      await Promise.all([publishSeries(onA, stations.A.id, base, N, (i) => 10 + i), publishSeries(onB, stations.B.id, base, N, (i) => 20 + i)]);
      await all;
      expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => 10 + i));

      // every reading once, whichever node took it (2 metrics × N per station)
      const { rows } = await a.app.store.db.query<{ station_id: string; n: number; distinct_ts: number }>(
        `SELECT station_id, count(*)::int AS n, count(DISTINCT (metric, ts))::int AS distinct_ts FROM readings WHERE station_id = ANY($1) GROUP BY station_id ORDER BY station_id`,
        [[stations.A.id, stations.B.id]],
      );
      expect(rows).toEqual([
        { station_id: stations.A.id, n: 2 * N, distinct_ts: 2 * N },
        { station_id: stations.B.id, n: 2 * N, distinct_ts: 2 * N },
      ]);

      // MQTT routing across nodes: a command sent through node B reaches the station on node A
      const command = new Promise<string>((resolve) => onA.once('message', (_topic, payload) => resolve(payload.toString())));
      await onA.subscribeAsync(`stations/${stations.A.id}/commands`, { qos: 1 });
      await b.app.broker.sendCommand(stations.A.id, { action: 'calibrate', ref: 'multi-node' });
      expect(JSON.parse(await command)).toEqual({ action: 'calibrate', ref: 'multi-node' });
      await onA.endAsync();
      await onB.endAsync();
    } finally {
      socket.close();
    }
  }, 120_000);

  it('relays a station registered and a rule saved through node A to node B', async () => {
    const late = await a.createStation({ id: 'MN-LATE' });
    const rule = await a.api('POST', '/api/v1/rules', {
      id: 'test.multinode.late',
      name: { en: 'PM10 above 300', vi: 'PM10 vượt 300' },
      kind: 'threshold',
      scope: { station: late.id },
      metric: 'pm10',
      severity: 'critical',
      op: 'above',
      raise: 300,
      clear: 200,
      over: 'raw',
    });
    expect(rule.status).toBe(201);
    await until(() => b.app.directory.get(late.id) !== undefined && b.app.alerts.getRule('test.multinode.late') !== undefined);
    const onB = await b.connectStation(late.id, late.secret);
    await onB.publishAsync(`stations/${late.id}/readings`, JSON.stringify({ ts: localIso(base), values: { pm10: 400 } }), { qos: 1 });
    await b.app.alerts.idle();
    await onB.endAsync();
    const { rows } = await a.app.store.db.query<{ state: string }>(`SELECT state FROM alerts WHERE station_id = $1 AND rule_id = 'test.multinode.late'`, [late.id]);
    expect(rows.map((r) => r.state)).toEqual(['firing']);
  }, 60_000);

  it('opens one alert for a threshold crossing, also when the station moves to the other node', async () => {
    const start = base + N * 60_000;
    const onA = await a.connectStation(stations.A.id, stations.A.secret);
    await publishSeries(onA, stations.A.id, start, 1, () => 150);
    await a.app.alerts.idle();
    await onA.endAsync();
    // the station reconnects through node B, still over the limit: B adopts A's open alert
    const onB = await b.connectStation(stations.A.id, stations.A.secret);
    await publishSeries(onB, stations.A.id, start + 60_000, 1, () => 160);
    await b.app.alerts.idle();

    const { rows: alerts } = await a.app.store.db.query<{ id: number; state: string }>(`SELECT id, state FROM alerts WHERE station_id = $1 AND rule_id = $2`, [
      stations.A.id,
      RULE,
    ]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.state).toBe('firing');
    const { rows: events } = await a.app.store.db.query<{ type: string }>(`SELECT type FROM alert_events WHERE alert_id = $1 ORDER BY id`, [alerts[0]!.id]);
    expect(events.filter((e) => e.type === 'pending')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'firing')).toHaveLength(1);

    // node B now owns the alert: a value under the clear level resolves it there (clearSeconds 0)
    await publishSeries(onB, stations.A.id, start + 120_000, 1, () => 50);
    await b.app.alerts.idle();
    await onB.endAsync();
    const { rows: after } = await a.app.store.db.query<{ state: string }>(`SELECT state FROM alerts WHERE station_id = $1 AND rule_id = $2`, [stations.A.id, RULE]);
    expect(after.map((r) => r.state)).toEqual(['resolved']);
  }, 60_000);
});
