import { execFile } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalPersistence, hasWildcard } from './retained-persistence.js';

const run = promisify(execFile);

describe('the broker persistence against aedes-persistence’s own conformance suite', () => {
  it('passes every test of the suite, as the async persistence and as the callback one aedes holds', async () => {
    const file = fileURLToPath(new URL('./retained-persistence.conformance.ts', import.meta.url));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], { maxBuffer: 16 * 2 ** 20 });
    const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(stdout)?.[1]);
    expect(count('fail')).toBe(0);
    expect(count('pass')).toBeGreaterThanOrEqual(100);
  }, 120_000);
});

describe('retained messages through a real Aedes broker and MQTT clients', () => {
  let broker: Aedes;
  let server: Server;
  let url: string;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    broker = await Aedes.createBroker({ persistence: createLocalPersistence() });
    server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function client(): Promise<MqttClient> {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    clients.push(c);
    return c;
  }

  /**
   * The retained messages a new client gets for `patterns`, subscribed one after the other, then
   * `marker` (retained beforehand): messages to one client come in order, so once the marker's
   * arrives every retained message of the patterns before it has too.
   */
  async function retainedFor(patterns: string[], marker = 'test/marker'): Promise<string[]> {
    const c = await client();
    const got: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the retained marker never came (got ${got.join(', ') || 'nothing'})`)), 10_000);
      c.on('message', (topic, payload, packet) => {
        if (topic === marker) resolve();
        else got.push(`${topic}=${payload.toString()}${packet.retain ? '' : ' (not retained)'}`);
      });
    }).finally(() => clearTimeout(timer));
    for (const p of patterns) await c.subscribeAsync(p, { qos: 1 });
    await c.subscribeAsync(marker, { qos: 1 });
    await done;
    return got.sort();
  }

  it('delivers a retained message to an exact subscription, the newest one, and nothing for a topic without one', async () => {
    const station = await client();
    await station.publishAsync('test/marker', 'm', { qos: 1, retain: true });
    await station.publishAsync('stations/S1/state', 'online', { qos: 1, retain: true });
    await station.publishAsync('stations/S2/state', 'online', { qos: 1, retain: true });
    await station.publishAsync('stations/S2/state', 'offline', { qos: 1, retain: true });

    expect(await retainedFor(['stations/S1/state'])).toEqual(['stations/S1/state=online']);
    expect(await retainedFor(['stations/S2/state'])).toEqual(['stations/S2/state=offline']);
    expect(await retainedFor(['stations/S1/commands', 'stations/S3/state'])).toEqual([]);
    expect(await retainedFor(['stations/S1/state', 'stations/S1/commands', 'stations/S2/state'])).toEqual(['stations/S1/state=online', 'stations/S2/state=offline']);
  });

  it('delivers every matching retained message to a wildcard subscription', async () => {
    const station = await client();
    await station.publishAsync('test/marker', 'm', { qos: 1, retain: true });
    await station.publishAsync('stations/S1/state', 'online', { qos: 1, retain: true });
    await station.publishAsync('stations/S2/state', 'offline', { qos: 1, retain: true });
    await station.publishAsync('stations/S2/status/detail', 'x', { qos: 1, retain: true });

    expect(await retainedFor(['stations/+/state'])).toEqual(['stations/S1/state=online', 'stations/S2/state=offline']);
    expect(await retainedFor(['stations/S2/#'])).toEqual(['stations/S2/state=offline', 'stations/S2/status/detail=x']);
  });

  it('forgets a retained message cleared by an empty retained publish', async () => {
    const station = await client();
    await station.publishAsync('test/marker', 'm', { qos: 1, retain: true });
    await station.publishAsync('stations/S4/state', 'online', { qos: 1, retain: true });
    expect(await retainedFor(['stations/S4/state'])).toEqual(['stations/S4/state=online']);
    await station.publishAsync('stations/S4/state', '', { qos: 1, retain: true });
    expect(await retainedFor(['stations/S4/state'])).toEqual([]);
    expect(await retainedFor(['stations/+/state'])).not.toContain('stations/S4/state=online');
    await station.publishAsync('stations/S4/state', 'back', { qos: 1, retain: true });
    expect(await retainedFor(['stations/S4/state'])).toEqual(['stations/S4/state=back']);
  });
});

describe('hasWildcard', () => {
  it('tells topic filters with + or # from exact topics', () => {
    expect(hasWildcard('stations/+/state')).toBe(true);
    expect(hasWildcard('stations/#')).toBe(true);
    expect(hasWildcard('#')).toBe(true);
    expect(hasWildcard('stations/S1/commands')).toBe(false);
    expect(hasWildcard('$SYS/broker/uptime')).toBe(false);
  });
});
