import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceProfile } from '../device-profiles/types.js';
import { createFleet, type Fleet } from './fleet.js';
import type { SimulatorLogger } from './logger.js';
import { parseStationsFile } from './stations-file.js';
import { observe, profileOf, readingsOf, startTestBroker, type Observer, type TestBroker } from './testing.js';

const silent: SimulatorLogger = { info() {}, warn() {}, error() {} };
const STATIONS = [
  { id: 'HN-AQ-01', secret: 'a1', profile: profileOf('air-quality') },
  { id: 'HN-SW-01', secret: 'b2', profile: profileOf('surface-water') },
  { id: 'BT-SAL-01', secret: 'c3', profile: profileOf('salinity') },
  { id: 'LB-HM-01', secret: 'd4', profile: profileOf('hydromet') },
  { id: 'TL-WW-01', secret: 'e5', profile: profileOf('wastewater') },
];
const credentials = Object.fromEntries(STATIONS.map((s) => [s.id, s.secret]));

let broker: TestBroker | undefined;
let observer: Observer | undefined;
let fleet: Fleet | undefined;

afterEach(async () => {
  await fleet?.close();
  await observer?.close();
  await broker?.close();
  fleet = observer = broker = undefined;
});

describe('fleet', () => {
  it('connects every station with bounded concurrency, publishes with jitter, aggregates stats', async () => {
    broker = await startTestBroker(credentials, { authDelayMs: 30 });
    observer = await observe(broker.url, ['stations/+/readings']);
    fleet = createFleet({ url: broker.url, stations: STATIONS, intervalMs: 200, seed: 9, connectConcurrency: 2, logger: silent });
    expect(fleet.ids).toEqual(STATIONS.map((s) => s.id));
    await fleet.start();
    expect(fleet.stats()).toMatchObject({ stations: 5, connected: 5, startFailures: 0 });
    expect(broker.auth.peak).toBe(2);
    for (const s of STATIONS) await observer.waitFor((m) => m.topic === `stations/${s.id}/readings`, 2, 3_000);
    // Every profile's payload carries only its own metrics.
    for (const s of STATIONS) {
      const [m] = await observer.waitFor((x) => x.topic === `stations/${s.id}/readings`);
      expect(Object.keys(readingsOf(m!)[0]!.values).sort()).toEqual(Object.keys(s.profile.metrics).sort());
    }
    // Jitter: stations send at boundary + a per-station offset, so they do not all send in the same ms.
    const lag = STATIONS.map((s) => {
      const m = observer!.messages.find((x) => x.topic === `stations/${s.id}/readings`)!;
      return m.at - Date.parse(readingsOf(m)[0]!.ts);
    });
    expect(Math.max(...lag) - Math.min(...lag)).toBeGreaterThan(15);
    const stats = fleet.stats();
    expect(stats.published).toBeGreaterThanOrEqual(10);
    expect(stats.failed).toBe(0);
    fleet.inject('HN-AQ-01', { kind: 'calibration', metrics: ['pm25'], durationMs: 60_000 });
    await observer.waitFor((m) => m.topic === 'stations/HN-AQ-01/readings' && readingsOf(m)[0]!.status?.pm25 === '01', 1, 3_000);
    expect(() => fleet!.inject('NOPE', { kind: 'gap', durationMs: 1 })).toThrow(/no station NOPE/);
    expect(fleet.station('HN-SW-01')?.id).toBe('HN-SW-01');
  });

  it('aborts start and closes everything when a station cannot connect (onStartFailure: abort)', async () => {
    broker = await startTestBroker({ ...credentials, 'TL-WW-01': 'rotated' });
    fleet = createFleet({ url: broker.url, stations: STATIONS, logger: silent, stationDefaults: { connectTimeoutMs: 2_000 } });
    await expect(fleet.start()).rejects.toMatchObject({ code: 'SIM_ERR_FLEET_START', message: expect.stringContaining('TL-WW-01') });
    expect(fleet.stats().stations).toBe(0);
    await expect.poll(() => broker!.broker.connectedClients).toBe(0);
  });

  it('runs without the failed station with onStartFailure: continue, and logs the failure', async () => {
    broker = await startTestBroker({ ...credentials, 'TL-WW-01': 'rotated' });
    const errors: string[] = [];
    fleet = createFleet({
      url: broker.url,
      stations: STATIONS,
      logger: { ...silent, error: (obj) => errors.push(String(obj.stationId)) },
      onStartFailure: 'continue',
    });
    await fleet.start();
    expect(fleet.stats()).toMatchObject({ stations: 4, connected: 4, startFailures: 1 });
    expect(errors).toEqual(['TL-WW-01']);
  });

  it('rejects duplicate ids', () => {
    expect(() => createFleet({ url: 'mqtt://127.0.0.1:1', stations: [STATIONS[0]!, STATIONS[0]!] })).toThrow(/duplicate station id/);
  });
});

describe('stations file', () => {
  const profiles = new Map<string, DeviceProfile>([['air-quality', profileOf('air-quality')]]);
  it('parses valid entries and lists every problem at once', () => {
    expect(parseStationsFile('[{"id":"A-1","secret":"x","profile":"air-quality"}]', profiles)).toHaveLength(1);
    const bad = '[{"id":"a/b","secret":"","profile":"nope"},{"id":"A-1","secret":"x","profile":"air-quality"},{"id":"A-1","secret":"y","profile":"air-quality"}]';
    expect(() => parseStationsFile(bad, profiles)).toThrow(/\[0\]\.id[\s\S]*\[0\]\.secret[\s\S]*\[0\]\.profile[\s\S]*\[2\]\.id: duplicate/);
  });
});

describe('cli', () => {
  it('runs a fleet from a stations file, prints stats, and closes cleanly on SIGINT', async () => {
    broker = await startTestBroker({ 'CLI-AQ-1': 'k1', 'CLI-SAL-1': 'k2' });
    observer = await observe(broker.url, ['stations/+/readings', 'stations/+/state']);
    const dir = await mkdtemp(join(tmpdir(), 'quantrac-sim-'));
    try {
      const file = join(dir, 'stations.json');
      await writeFile(
        file,
        JSON.stringify([
          { id: 'CLI-AQ-1', secret: 'k1', profile: 'air-quality' },
          { id: 'CLI-SAL-1', secret: 'k2', profile: 'salinity' },
        ]),
      );
      const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
      const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
      const child = spawn(tsx, [cli, '--url', broker.url, '--stations', file, '--interval-ms', '100', '--replay-hanoi', 'CLI-AQ-1', '--stats-interval-ms', '200'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      await observer.waitFor((m) => m.topic === 'stations/CLI-SAL-1/readings', 2, 15_000);
      await expect.poll(() => out, { timeout: 5_000 }).toContain('"published"');
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
      expect(out).toContain('"final":true');
      const states = observer.messages.filter((m) => m.topic === 'stations/CLI-AQ-1/state').map((m) => m.payload.toString());
      expect(states).toEqual(['online', 'offline']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
