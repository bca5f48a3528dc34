/**
 * Deferral (ingest/defer.ts, issue 20): on the embedded database's one connection, a statement that
 * cannot be cut (a `compress_chunk`, an aggregate refresh, a long query) used to hold every PUBACK
 * until it ended. A group commit that has waited SPOOL_DEFER_AFTER_MS behind such a statement is
 * now written to the local spool (fsync'd) and acknowledged, and stored once the statement ends:
 * the station's PUBACK comes while the statement still runs, the storage state stays healthy (it is
 * not an outage), the readings reach the database, the live stream and the alerts once replayed,
 * in acknowledgement order (the first acknowledged of two values for one time wins), each once.
 * With SPOOL_DEFER_AFTER_MS=0, or a spool that cannot take the batch, the PUBACK waits for the
 * statement, as before (nothing is refused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMap } from '../domain/events.js';
import { localIso, startTestApp, testServerDatabase, type TestApp, type TestServerDatabase, until } from './helpers/app.js';

const T0 = Date.UTC(2026, 10, 21, 0, 0, 0);
/** How long the test's statement holds the connection, s. */
const HOLD_S = 1.5;

/** Holds the one connection with a statement of HOLD_S seconds (in the background lane unless told); `ended` turns true when it answered. */
function holdConnection(t: TestApp, lane: 'background' | 'interactive' = 'background'): { done: Promise<unknown>; readonly ended: boolean } {
  let ended = false;
  const done = t.app.store.db
    .lane(lane, 'test hold')
    .query(`SELECT pg_sleep(${HOLD_S})`)
    .finally(() => {
      ended = true;
    });
  return {
    done,
    get ended() {
      return ended;
    },
  };
}

async function stored(t: TestApp, stationId: string): Promise<number[]> {
  const { rows } = await t.app.store.db.query<{ value: number }>(`SELECT value FROM readings WHERE station_id = $1 AND metric = 'pm25' ORDER BY ts`, [stationId]);
  return rows.map((r) => r.value);
}

async function metric(t: TestApp, name: string): Promise<number> {
  const res = await t.api<string>('GET', '/metrics');
  const line = res.body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.split(' ')[1]);
}

describe('a commit due while a long statement holds the connection', () => {
  let t: TestApp;
  const storage: Array<EventMap['storageStateChanged']> = [];
  const accepted: Array<{ value: number | null; afterHold: boolean }> = [];
  let hold: ReturnType<typeof holdConnection> | undefined;

  beforeAll(async () => {
    t = await startTestApp({ spool: { deferAfterMs: 100 } });
    t.app.bus.on('deferral-test', 'storageStateChanged', (e) => {
      storage.push(e);
    });
    t.app.bus.on('deferral-test', 'readingsAccepted', ({ readings }) => {
      for (const r of readings) if (r.stationId === 'DEF-01') accepted.push({ value: r.value, afterHold: hold?.ended ?? false });
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close(true);
  });

  it('is acknowledged from the spool before the statement ends, stored once after it, in order, without a degraded state', async () => {
    const s = await t.createStation({ id: 'DEF-01' });
    const client = await t.connectStation(s.id, s.secret);
    const topic = `stations/${s.id}/readings`;
    await client.publishAsync(topic, JSON.stringify({ ts: localIso(T0), values: { pm25: 1 } }), { qos: 1 });
    const deferredBefore = await metric(t, 'quantrac_ingest_deferred_rows_total');

    hold = holdConnection(t);
    for (let k = 1; k <= 5; k++) await client.publishAsync(topic, JSON.stringify({ ts: localIso(T0 + k * 60_000), values: { pm25: k + 1 } }), { qos: 1 });
    // two values for one time: the first acknowledged wins, as when committed directly
    await client.publishAsync(topic, JSON.stringify({ ts: localIso(T0 + 99 * 60_000), values: { pm25: 500 } }), { qos: 1 });
    await client.publishAsync(topic, JSON.stringify({ ts: localIso(T0 + 99 * 60_000), values: { pm25: 999 } }), { qos: 1 });
    // every PUBACK came while the statement still held the connection
    expect(hold.ended).toBe(false);
    expect(t.app.ingest.storage).toMatchObject({ degraded: false, spoolRows: 7 });

    await hold.done;
    await until(() => t.app.ingest.storage.spoolBytes === 0, 'the deferred rows to be replayed');
    expect(await stored(t, s.id)).toEqual([1, 2, 3, 4, 5, 6, 500]);
    const conflicts = await t.app.store.db.query(`SELECT stored_value, value FROM reading_conflicts WHERE station_id = $1`, [s.id]);
    expect(conflicts.rows).toEqual([{ stored_value: 500, value: 999 }]);
    // the live stream and the alerts saw the deferred readings once they were stored, not before
    expect(accepted.filter((a) => a.value !== 1).every((a) => a.afterHold)).toBe(true);
    expect(accepted.map((a) => a.value)).toEqual([1, 2, 3, 4, 5, 6, 500, 999]);
    expect(await metric(t, 'quantrac_ingest_deferred_rows_total')).toBe(deferredBefore + 7);
    expect(storage.filter((e) => e.degraded)).toEqual([]);
    const health = await t.api<{ status: string }>('GET', '/healthz', undefined, null);
    expect(health.body.status).toBe('ok');
  }, 60_000);

  it('defers the replay too when another long statement takes the connection first, and stores everything once both ended', async () => {
    const s = await t.createStation({ id: 'DEF-03' });
    const client = await t.connectStation(s.id, s.secret);
    const topic = `stations/${s.id}/readings`;
    // two reads (the background lane may be resting after the previous test's hold: store/db-gate.ts)
    const first = holdConnection(t, 'interactive');
    // queued behind the first: it takes the connection the moment the first ends, before the replay asks
    const second = holdConnection(t, 'interactive');
    await client.publishAsync(topic, JSON.stringify({ ts: localIso(T0), values: { pm25: 1 } }), { qos: 1 });
    expect(first.ended).toBe(false);
    await first.done;
    for (let k = 1; k <= 3; k++) await client.publishAsync(topic, JSON.stringify({ ts: localIso(T0 + k * 60_000), values: { pm25: k + 1 } }), { qos: 1 });
    // acknowledged while the second statement held the connection: the replay did not queue behind it
    expect(second.ended).toBe(false);
    expect(t.app.ingest.storage).toMatchObject({ degraded: false, spoolRows: 4 });
    await second.done;
    await until(() => t.app.ingest.storage.spoolBytes === 0, 'the deferred rows to be replayed');
    expect(await stored(t, s.id)).toEqual([1, 2, 3, 4]);
    expect(storage.filter((e) => e.degraded)).toEqual([]);
  }, 60_000);

  it('names the statement holding the connection, and the callers waiting for it, on /metrics', async () => {
    const hold = holdConnection(t, 'interactive');
    const queued = t.app.store.db.lane('interactive', 'test queued').query('SELECT 1');
    await until(() => t.app.store.db.gate.holder()?.label === 'test hold', 'the statement to hold the connection');
    await new Promise((r) => setTimeout(r, 200));
    const text = (await t.api<string>('GET', '/metrics')).body;
    const held = text.split('\n').find((l) => l.startsWith('quantrac_db_connection_held_seconds{'));
    expect(held).toMatch(/^quantrac_db_connection_held_seconds\{lane="interactive",label="test hold"\} /);
    const heldS = Number(held!.slice(held!.lastIndexOf(' ') + 1));
    expect(heldS).toBeGreaterThanOrEqual(0.2);
    expect(heldS).toBeLessThan(HOLD_S);
    expect(await metric(t, 'quantrac_db_connection_waiting{lane="interactive"}')).toBeGreaterThanOrEqual(1);
    await Promise.all([hold.done, queued]);
    const after = (await t.api<string>('GET', '/metrics')).body;
    expect(after).not.toMatch(/quantrac_db_connection_held_seconds\{[^}]*label="test hold"/);
  }, 60_000);
});

describe('draining deferred rows', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ spool: { deferAfterMs: 100 } });
  }, 120_000);
  afterAll(async () => {
    await t?.close(true);
  });

  it('stores them before drain resolves (a clean stop, the start-up backfill), so nothing waits in the spool for the next start', async () => {
    const s = await t.createStation({ id: 'DEF-05' });
    const client = await t.connectStation(s.id, s.secret);
    const hold = holdConnection(t);
    await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(T0), values: { pm25: 5 } }), { qos: 1 });
    expect(hold.ended).toBe(false);
    expect(t.app.ingest.storage.spoolRows).toBe(1);
    await t.app.ingest.drain();
    expect(hold.ended).toBe(true);
    expect(t.app.ingest.storage).toMatchObject({ degraded: false, spoolBytes: 0 });
    expect(await stored(t, s.id)).toEqual([5]);
  }, 60_000);
});

describe('on a database server (DATABASE_URL) with every connection held', () => {
  let server: TestServerDatabase;
  let t: TestApp;
  beforeAll(async () => {
    server = await testServerDatabase(import.meta.url);
    // one connection, so that one statement holds them all; the write timeout races every insert
    t = await startTestApp({ databaseUrl: server.databaseUrl, store: { poolSize: 1, writeTimeoutMs: 5000 }, spool: { deferAfterMs: 100 } });
  }, 120_000);
  afterAll(async () => {
    await t?.close(true);
    await server?.close();
  });

  it('defers the same way, and a withdrawn insert is no write failure', async () => {
    const s = await t.createStation({ id: 'DEF-06' });
    const client = await t.connectStation(s.id, s.secret);
    const failuresBefore = await metric(t, 'quantrac_ingest_write_failures_total');
    const hold = holdConnection(t, 'interactive');
    await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(T0), values: { pm25: 6 } }), { qos: 1 });
    expect(hold.ended).toBe(false);
    expect(t.app.ingest.storage).toMatchObject({ degraded: false, spoolRows: 1 });
    await hold.done;
    await until(() => t.app.ingest.storage.spoolBytes === 0, 'the deferred row to be replayed');
    expect(await stored(t, s.id)).toEqual([6]);
    expect(await metric(t, 'quantrac_ingest_write_failures_total')).toBe(failuresBefore);
  }, 60_000);
});

describe('deferral bounded by SPOOL_MAX_DEFERRED_ROWS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ spool: { deferAfterMs: 100, maxDeferredRows: 3 } });
  }, 120_000);
  afterAll(async () => {
    await t?.close(true);
  });

  it('acknowledges from the spool up to the bound, then holds the PUBACK for the database, and stores all in order', async () => {
    // Unbounded, a saturated app deferred 274,240 rows in 5.6 s behind short reads, then
    // acknowledged nothing for 9 s while they were stored (bench/suite.ts, 2026-12-06).
    const s = await t.createStation({ id: 'DEF-07' });
    const client = await t.connectStation(s.id, s.secret);
    const topic = `stations/${s.id}/readings`;
    const hold = holdConnection(t, 'interactive');
    for (let k = 0; k < 3; k++) await client.publishAsync(topic, JSON.stringify({ ts: localIso(T0 + k * 60_000), values: { pm25: k + 1 } }), { qos: 1 });
    expect(hold.ended).toBe(false);
    expect(t.app.ingest.storage).toMatchObject({ degraded: false, spoolRows: 3 });
    // two more at once (one batch, due before the replay is): each waited for the statement, then
    // for the three before them to be stored
    const acked: boolean[] = [];
    await Promise.all(
      [4, 5].map((v) => client.publishAsync(topic, JSON.stringify({ ts: localIso(T0 + (v - 1) * 60_000), values: { pm25: v } }), { qos: 1 }).then(() => acked.push(hold.ended))),
    );
    expect(acked).toEqual([true, true]);
    expect(t.app.ingest.storage).toMatchObject({ degraded: false, spoolBytes: 0 });
    expect(await stored(t, s.id)).toEqual([1, 2, 3, 4, 5]);
  }, 60_000);
});

describe('a batch due just after a deferral filled the bound', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ spool: { deferAfterMs: 100, maxDeferredRows: 1 } });
  }, 120_000);
  afterAll(async () => {
    await t?.close(true);
  });

  it('is not deferred past the bound: its PUBACK waits for the statement', async () => {
    // The writer takes the next batch the moment a deferral is spooled, before the replay is due
    // (DEFER_POLL_MS): that batch meets the bound in defer() itself, not in the replay's check.
    const s = await t.createStation({ id: 'DEF-08' });
    const client = await t.connectStation(s.id, s.secret);
    const topic = `stations/${s.id}/readings`;
    const publish = (k: number) => client.publishAsync(topic, JSON.stringify({ ts: localIso(T0 + k * 60_000), values: { pm25: k } }), { qos: 1 }).then(() => hold.ended);
    const hold = holdConnection(t, 'interactive');
    const first = publish(1);
    // the first batch waits at the gate; the second arrives while it does, and is taken right after its deferral
    // (the ingest lane's own queue: another lane's read waiting there would let the second join the first batch)
    await until(() => t.app.store.db.gate.waiting('ingest') > 0, 'the first batch waiting for the connection');
    const second = publish(2);
    expect(await first).toBe(false);
    expect(await second).toBe(true);
    expect(t.app.ingest.storage).toMatchObject({ degraded: false, spoolBytes: 0 });
    expect(await stored(t, s.id)).toEqual([1, 2]);
  }, 60_000);
});

/** Publishes one reading while a long statement holds the connection, on an app whose spool cannot or may not take it: the PUBACK waits, nothing is refused. */
function waitsForTheStatement(title: string, spool: { deferAfterMs: number; maxBytes?: number }, stationId: string): void {
  describe(title, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ spool });
    }, 120_000);
    afterAll(async () => {
      await t?.close(true);
    });

    it('holds the PUBACK until the statement has ended, and stores the reading', async () => {
      const s = await t.createStation({ id: stationId });
      const client = await t.connectStation(s.id, s.secret);
      const hold = holdConnection(t);
      await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(T0), values: { pm25: 7 } }), { qos: 1 });
      expect(hold.ended).toBe(true);
      expect(await stored(t, s.id)).toEqual([7]);
      expect(t.app.ingest.storage).toMatchObject({ degraded: false, spoolBytes: 0 });
    }, 60_000);
  });
}

waitsForTheStatement('with SPOOL_DEFER_AFTER_MS=0', { deferAfterMs: 0 }, 'DEF-02');
// room for no record at all: a deferred batch does not fit, and waits rather than being refused
waitsForTheStatement('a deferral the spool cannot take', { deferAfterMs: 100, maxBytes: 40 }, 'DEF-04');
