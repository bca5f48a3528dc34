/**
 * A fleet reconnecting to the broker (issue 20): every station retains its `state` and subscribes
 * to its `commands` on every connect (simulators/station-link.ts does as station firmware does),
 * and aedes answers each SUBSCRIBE from its persistence's retained messages. Measured with a real
 * Aedes broker and real MQTT clients, once with aedes-persistence's memory persistence as it
 * comes and once with the broker's (broker/retained-persistence.ts), each in this process:
 *   1. N stations connect, retain `online`, subscribe to their commands (the retained store fills);
 *   2. all disconnect, then all reconnect and subscribe again at once (a restart, a network outage):
 *      the time until every SUBACK came back, and the broker process's CPU over it.
 * The stations are real MQTT clients in a child process.
 *
 *   npx tsx bench/retained.ts [--stations 10000]
 */
import { fork } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { createLocalPersistence } from '../broker/retained-persistence.js';

const require = createRequire(import.meta.url);
const upstreamMemory = require('aedes-persistence') as () => unknown;

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const N = arg('stations', 10_000);
/** Connections opened at once (a storm, but not N sockets in one tick of the client side). */
const WAVE = 250;

async function station(url: string, id: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { clientId: id, reconnectPeriod: 0, clean: true });
  await c.publishAsync(`stations/${id}/state`, 'online', { qos: 1, retain: true });
  await c.subscribeAsync(`stations/${id}/commands`, { qos: 1 });
  return c;
}

async function inWaves(ids: string[], url: string): Promise<MqttClient[]> {
  const out: MqttClient[] = [];
  for (let i = 0; i < ids.length; i += WAVE) out.push(...(await Promise.all(ids.slice(i, i + WAVE).map((id) => station(url, id)))));
  return out;
}

type FromClients = { filled: true } | { reconnectedMs: number };

/** The fleet, in a child process (10,000 clients and the broker's 10,000 sockets would pass one process's file limit). */
async function clientsRole(url: string): Promise<void> {
  const send = (m: FromClients) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  const ids = Array.from({ length: N }, (_, i) => `RT-${String(i).padStart(5, '0')}`);
  let clients = await inWaves(ids, url);
  await Promise.all(clients.map((c) => c.endAsync()));
  await send({ filled: true });
  await new Promise((resolve) => process.once('message', resolve));
  const t0 = performance.now();
  clients = await inWaves(ids, url);
  await send({ reconnectedMs: performance.now() - t0 });
  await Promise.all(clients.map((c) => c.endAsync()));
  process.exit(0);
}

async function measure(name: string, persistence: unknown): Promise<void> {
  const broker = await Aedes.createBroker({ persistence: persistence as never });
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const child = fork(fileURLToPath(import.meta.url), ['--clients', url, '--stations', String(N)], { execArgv: ['--import', 'tsx'] });
  const next = () => new Promise<FromClients>((resolve) => child.once('message', (m) => resolve(m as FromClients)));
  await next();
  const cpu0 = process.cpuUsage();
  child.send('go');
  const { reconnectedMs: ms } = (await next()) as { reconnectedMs: number };
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `${name.padEnd(34)} ${N} stations reconnect and subscribe: ${(ms / 1000).toFixed(1)} s to the last SUBACK, ` +
      `the broker's process ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU, ${Math.round(N / (ms / 1000))} stations/s`,
  );
  await new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const clientsAt = process.argv.indexOf('--clients');
if (clientsAt > 0) await clientsRole(process.argv[clientsAt + 1]!);
else {
  await measure('broker/retained-persistence.ts', createLocalPersistence());
  await measure('aedes-persistence as it comes', upstreamMemory());
  process.exit(0);
}
