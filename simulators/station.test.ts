import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProfiles } from '../device-profiles/index.js';
import type { ReadingPayload } from '../device-profiles/types.js';
import { stationTopic } from '../domain/topics.js';
import { SimulatorError } from './errors.js';
import { UNKNOWN_METRIC_KEY } from './faults.js';
import type { SimulatorLogger } from './logger.js';
import { createSimulatedStation, type SimulatedStation, type SimulatedStationOptions } from './station.js';
import { manualClock, observe, profileOf, readingsOf, sendCommand, startTestBroker, type Observer, type Received, type TestBroker } from './testing.js';

const ID = 'HN-AQ-01';
const SECRET = 's3cret-hn-aq-01';
const MIN = 60_000;
/** The platform's own per-profile reading schema (device-profiles/index.ts), compiled with ajv. */
const validateAir = loadProfiles().get('air-quality')!.validateReading;
const OFFSET_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?\+07:00$/;

/** A logger that records, so tests can assert failures were routed (and not print noise). */
function recordingLogger() {
  const lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  const logger: SimulatorLogger = {
    info: (obj, msg) => lines.push({ level: 'info', msg, obj }),
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
    error: (obj, msg) => lines.push({ level: 'error', msg, obj }),
  };
  return { lines, logger };
}

let broker: TestBroker;
let observer: Observer;
const stations: SimulatedStation[] = [];

beforeEach(async () => {
  broker = await startTestBroker({ [ID]: SECRET, 'HN-AQ-02': 'other' });
  observer = await observe(broker.url, ['stations/+/readings', 'stations/+/state']);
});

afterEach(async () => {
  for (const s of stations.splice(0)) await s.close();
  await observer.close();
  await broker.close();
});

function station(extra: Partial<SimulatedStationOptions> = {}) {
  const log = recordingLogger();
  const s = createSimulatedStation({
    url: broker.url,
    station: { id: ID, secret: SECRET, profile: profileOf('air-quality') },
    logger: log.logger,
    reconnectPeriodMs: 50,
    ...extra,
  });
  stations.push(s);
  return { s, log };
}

const readingsTopic = stationTopic(ID, 'readings');
const stateTopic = stationTopic(ID, 'state');
const isReadings = (m: Received) => m.topic === readingsTopic;

function commandStation(command: unknown): Promise<void> {
  return sendCommand(broker.url, stationTopic(ID, 'commands'), command);
}

describe('simulated station over a real broker', () => {
  it('publishes contract-valid readings at interval boundaries with +07:00 offsets, online state retained', async () => {
    const clock = manualClock('2026-01-12T09:00:20+07:00');
    const { s } = station({ clock: clock.now, seed: 4 });
    await s.start();
    const online = await observer.waitFor((m) => m.topic === stateTopic);
    expect(online[0]!.payload.toString()).toBe('online');
    for (let i = 0; i < 3; i++) {
      await s.publishNow();
      clock.advance(MIN);
    }
    expect(s.stats()).toMatchObject({ published: 3, acknowledged: 3, failed: 0, readings: 3, connected: true });
    const msgs = await observer.waitFor(isReadings, 3);
    const profile = profileOf('air-quality');
    const ts = msgs.map((m) => {
      const data = JSON.parse(m.payload.toString()) as ReadingPayload;
      expect(Array.isArray(data)).toBe(false);
      expect(validateAir(data), JSON.stringify(validateAir.errors)).toBe(true);
      expect(data.ts).toMatch(OFFSET_TS);
      expect(data.status).toBeUndefined();
      expect(Object.keys(data.values).sort()).toEqual(Object.keys(profile.metrics).sort());
      for (const [k, v] of Object.entries(data.values)) {
        expect(typeof v).toBe('number');
        expect(v).toBeGreaterThanOrEqual(profile.metrics[k]!.range.min);
        expect(v).toBeLessThanOrEqual(profile.metrics[k]!.range.max);
      }
      return data.ts;
    });
    expect(ts).toEqual(['2026-01-12T09:00:00+07:00', '2026-01-12T09:01:00+07:00', '2026-01-12T09:02:00+07:00']);
  });

  it('publishes on its own timer at small intervals, once per boundary', async () => {
    const { s } = station({ intervalMs: 100, metrics: ['pm25', 'pm10'] });
    await s.start();
    const msgs = await observer.waitFor(isReadings, 4, 3_000);
    const readings = msgs.map((m) => readingsOf(m)[0]!);
    const times = readings.map((r) => Date.parse(r.ts));
    for (const r of readings) expect(Object.keys(r.values).sort()).toEqual(['pm10', 'pm25']);
    for (const t of times) expect(t % 100).toBe(0);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(100);
  });

  it('refuses to start with a wrong secret (the broker authenticates username/password)', async () => {
    const s = createSimulatedStation({
      url: broker.url,
      station: { id: ID, secret: 'wrong', profile: profileOf('air-quality') },
      logger: recordingLogger().logger,
      connectTimeoutMs: 2_000,
    });
    stations.push(s);
    await expect(s.start()).rejects.toMatchObject({ code: 'SIM_ERR_CONNECT' });
  });

  it('sends status 01 for the calibrated metric during calibration only', async () => {
    const clock = manualClock('2026-01-12T09:00:00+07:00');
    const { s } = station({ clock: clock.now });
    await s.start();
    s.inject({ kind: 'calibration', metrics: ['pm25'], durationMs: 2 * MIN });
    for (let i = 0; i < 4; i++) {
      await s.publishNow();
      clock.advance(MIN);
    }
    const status = (await observer.waitFor(isReadings, 4)).map((m) => readingsOf(m)[0]!.status);
    expect(status).toEqual([{ pm25: '01' }, { pm25: '01' }, undefined, undefined]);
  });

  it('a calibrate command starts status 01; unknown commands are counted and logged', async () => {
    const clock = manualClock('2026-01-12T09:00:00+07:00');
    const { s, log } = station({ clock: clock.now });
    await s.start();
    await commandStation({ command: 'calibrate', metric: 'pm10', durationSeconds: 600 });
    await commandStation({ command: 'reboot' });
    await commandStation('not json');
    await expect.poll(() => s.stats().commandsReceived).toBe(3);
    expect(s.stats().commandsIgnored).toBe(2);
    expect(log.lines.filter((l) => l.level === 'warn' && l.msg === 'command ignored').map((l) => l.obj.reason)).toEqual(['unknown command "reboot"', 'payload is not JSON']);
    await s.publishNow();
    const [m] = await observer.waitFor(isReadings);
    expect(readingsOf(m!)[0]!.status).toEqual({ pm10: '01' });
  });

  it('a gap publishes nothing, then one backlog array with exactly the missed timestamps', async () => {
    const clock = manualClock('2026-01-12T09:00:00+07:00');
    const { s } = station({ clock: clock.now });
    await s.start();
    await s.publishNow(); // 09:00
    clock.advance(10_000);
    s.inject({ kind: 'gap', durationMs: 4 * MIN }); // 09:00:10 → 09:04:10
    for (let i = 1; i <= 4; i++) {
      clock.set(`2026-01-12T09:0${i}:00+07:00`);
      await s.publishNow(); // inside the gap: nothing
    }
    expect(s.stats().published).toBe(1);
    clock.set('2026-01-12T09:05:02+07:00');
    await s.publishNow();
    const msgs = await observer.waitFor(isReadings, 3);
    const backlog = JSON.parse(msgs[1]!.payload.toString()) as ReadingPayload[];
    expect(Array.isArray(backlog)).toBe(true);
    for (const r of backlog) expect(validateAir(r)).toBe(true);
    expect(backlog.map((r) => r.ts)).toEqual(['2026-01-12T09:01:00+07:00', '2026-01-12T09:02:00+07:00', '2026-01-12T09:03:00+07:00', '2026-01-12T09:04:00+07:00']);
    expect(readingsOf(msgs[2]!).map((r) => r.ts)).toEqual(['2026-01-12T09:05:00+07:00']);
    expect(s.stats()).toMatchObject({ published: 3, acknowledged: 3, readings: 6 });
  });

  it.each([
    ['invalid-json', (text: string) => expect(() => JSON.parse(text)).toThrow(SyntaxError)],
    ['string-value', (text: string) => expect(Object.values((JSON.parse(text) as { values: Record<string, unknown> }).values).some((v) => typeof v === 'string')).toBe(true)],
    ['unknown-metric', (text: string) => expect((JSON.parse(text) as ReadingPayload).values).toHaveProperty(UNKNOWN_METRIC_KEY)],
    ['no-offset', (text: string) => expect((JSON.parse(text) as ReadingPayload).ts).toBe('2026-01-12T09:00:00')],
    ['oversized', (text: string) => expect(Buffer.byteLength(text)).toBe(300_000)],
  ] as const)('malformed %s breaks the next payload only', async (mode, check) => {
    const clock = manualClock('2026-01-12T09:00:00+07:00');
    const { s } = station({ clock: clock.now });
    await s.start();
    s.inject({ kind: 'malformed', mode, bytes: 300_000 });
    await s.publishNow();
    clock.advance(MIN);
    await s.publishNow();
    const [broken, next] = await observer.waitFor(isReadings, 2);
    check(broken!.payload.toString());
    if (mode === 'string-value' || mode === 'unknown-metric') expect(validateAir(JSON.parse(broken!.payload.toString()))).toBe(false);
    expect(readingsOf(next!)[0]!.ts).toBe('2026-01-12T09:01:00+07:00');
  });

  it('resend republishes the stored readings of the requested range as one array', async () => {
    const clock = manualClock('2026-01-12T09:00:00+07:00');
    const { s } = station({ clock: clock.now });
    await s.start();
    for (let i = 0; i < 5; i++) {
      await s.publishNow();
      clock.advance(MIN);
    }
    const original = (await observer.waitFor(isReadings, 5)).map((m) => readingsOf(m)[0]!);
    await commandStation({ command: 'resend', from: '2026-01-12T09:01:00+07:00', to: '2026-01-12T02:03:00Z' });
    const [resent] = await observer.waitFor((m) => isReadings(m) && Array.isArray(JSON.parse(m.payload.toString())));
    expect(JSON.parse(resent!.payload.toString())).toEqual(original.slice(1, 4));
    await expect.poll(() => s.stats().acknowledged).toBe(6);
  });

  it('the broker publishes the last will `offline` when the station socket is destroyed, and the station comes back online', async () => {
    const { s } = station();
    await s.start();
    await observer.waitFor((m) => m.topic === stateTopic && m.payload.toString() === 'online');
    broker.clients.get(ID)!.conn.destroy();
    await observer.waitFor((m) => m.topic === stateTopic && m.payload.toString() === 'offline');
    const states = await observer.waitFor((m) => m.topic === stateTopic, 3);
    expect(states.map((m) => m.payload.toString())).toEqual(['online', 'offline', 'online']);
    await expect.poll(() => s.stats().connected).toBe(true);
  });

  it('close() publishes offline (retained) and stops publishing', async () => {
    const { s } = station({ intervalMs: 50 });
    await s.start();
    await observer.waitFor(isReadings, 2);
    await s.close();
    const states = await observer.waitFor((m) => m.topic === stateTopic, 2);
    expect(states.map((m) => m.payload.toString())).toEqual(['online', 'offline']);
    const count = observer.messages.filter(isReadings).length;
    await new Promise((r) => setTimeout(r, 150));
    expect(observer.messages.filter(isReadings).length).toBe(count);
    await expect(s.publishNow()).rejects.toBeInstanceOf(SimulatorError);
  });

  it('replays the Hanoi CSV value at an exact hour; sends pm25 null + status 02 at an invalid hour (onGap: fault)', async () => {
    const clock = manualClock('2026-01-01T09:00:00+07:00'); // CSV 2018-01-01 09:00 = 106.0 (Valid)
    const { s } = station({ clock: clock.now, replay: { onGap: 'fault' } });
    await s.start();
    await s.publishNow();
    clock.set('2026-01-04T20:00:00+07:00'); // CSV 2018-01-04 20:00 is Invalid
    await s.publishNow();
    const [valid, invalid] = (await observer.waitFor(isReadings, 2)).map((m) => readingsOf(m)[0]!);
    expect(valid!.values.pm25).toBe(106);
    expect(valid!.values.pm10! / 106).toBeGreaterThanOrEqual(1.29);
    expect(valid!.values.pm10! / 106).toBeLessThanOrEqual(1.81);
    expect(invalid!.values.pm25).toBeNull();
    expect(invalid!.values).toHaveProperty('pm10');
    expect(invalid!.status).toEqual({ pm25: '02' });
    expect(validateAir(valid)).toBe(true);
    expect(validateAir(invalid)).toBe(true);
  });

  it('replay without onGap omits pm25 in a gap, with no status', async () => {
    const clock = manualClock('2026-01-04T16:00:00+07:00'); // Missing in the CSV
    const { s } = station({ clock: clock.now, replay: {}, metrics: ['pm25', 'pm10'] });
    await s.start();
    await s.publishNow();
    const [m] = await observer.waitFor(isReadings);
    const r = readingsOf(m!)[0]!;
    expect(Object.keys(r.values)).toEqual(['pm10']);
    expect(r.status).toBeUndefined();
  });

  it('sends nothing when a replay gap leaves no metric to report', async () => {
    const clock = manualClock('2026-01-04T16:00:00+07:00'); // Missing in the CSV
    const { s } = station({ clock: clock.now, replay: {}, metrics: ['pm25'] });
    await s.start();
    await s.publishNow();
    clock.set('2026-01-04T18:00:00+07:00');
    await s.publishNow();
    const [m] = await observer.waitFor(isReadings);
    expect(readingsOf(m!)[0]!.ts).toBe('2026-01-04T18:00:00+07:00');
    expect(s.stats().published).toBe(1);
  });

  it('an episode drives the published value above an alert threshold', async () => {
    const clock = manualClock('2026-07-06T14:00:00+07:00');
    const { s } = station({ clock: clock.now, metrics: ['pm25'] });
    await s.start();
    s.inject({ kind: 'episode', metric: 'pm25', target: 200, rampMs: 3 * MIN, holdMs: 2 * MIN, decayMs: 3 * MIN });
    for (let i = 0; i < 10; i++) {
      await s.publishNow();
      clock.advance(MIN);
    }
    const pm = (await observer.waitFor(isReadings, 10)).map((m) => readingsOf(m)[0]!.values.pm25!);
    expect(pm[0]).toBeLessThan(80);
    expect(Math.max(...pm)).toBeGreaterThan(150);
    expect(pm[3]).toBeGreaterThan(150);
    expect(pm[9]).toBeLessThan(80);
  });

  it('rejects options that do not fit the profile', () => {
    const profile = profileOf('wastewater');
    expect(() => createSimulatedStation({ url: broker.url, station: { id: 'WW-1', secret: 'x', profile }, replay: {} })).toThrow(/needs a pm25 metric/);
    expect(() => createSimulatedStation({ url: broker.url, station: { id: 'bad/id', secret: 'x', profile } })).toThrow(/invalid station id/);
    expect(() => createSimulatedStation({ url: broker.url, station: { id: 'WW-1', secret: 'x', profile }, metrics: ['pm25'] })).toThrow(/not in profile/);
  });

  it('a reading never acknowledged counts as failed after ackTimeoutMs, and the failure reaches the caller', async () => {
    await observer.close();
    await broker.close();
    broker = await startTestBroker({ [ID]: SECRET }, { holdReadingAcks: true });
    observer = await observe(broker.url, ['stations/+/state']);
    const { s } = station({ ackTimeoutMs: 150, closeTimeoutMs: 200 });
    await s.start();
    await expect(s.publishNow()).rejects.toMatchObject({ code: 'SIM_ERR_ACK_TIMEOUT' });
    expect(s.stats()).toMatchObject({ published: 1, acknowledged: 0, failed: 1 });
    await s.close(); // does not hang on the missing PUBACK
  });

  it('timer-driven failures are routed to the logger', async () => {
    await observer.close();
    await broker.close();
    broker = await startTestBroker({ [ID]: SECRET }, { holdReadingAcks: true });
    observer = await observe(broker.url, ['stations/+/state']);
    const { s, log } = station({ intervalMs: 50, ackTimeoutMs: 60, closeTimeoutMs: 100 });
    await s.start();
    await expect.poll(() => log.lines.filter((l) => l.level === 'error').length).toBeGreaterThan(0);
    const line = log.lines.find((l) => l.level === 'error')!;
    expect(line.msg).toBe('reading not acknowledged');
    expect(line.obj).toMatchObject({ stationId: ID, err: expect.objectContaining({ code: 'SIM_ERR_ACK_TIMEOUT' }) });
  });
});
