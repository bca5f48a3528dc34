/**
 * @module simulators/cli
 * Runs a simulated fleet against any Quantrac broker:
 *
 *   tsx simulators/cli.ts --url mqtt://127.0.0.1:1883 --stations stations.json
 *       [--interval-ms 5000] [--replay-hanoi STATIONID]… [--replay-speed 1440] [--seed 1]
 *       [--concurrency 16] [--stats-interval-ms 10000]
 *
 * stations.json is `[{ "id", "secret", "profile" }]`, profile being a profile id of
 * device-profiles/*.json. Prints the fleet stats every 10 s; SIGINT/SIGTERM close it cleanly
 * (each station publishes `offline`, in-flight readings get their PUBACK).
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadProfiles } from '../device-profiles/index.js';
import type { DeviceProfile } from '../device-profiles/types.js';
import { SimulatorError } from './errors.js';
import { createFleet, type Fleet } from './fleet.js';
import { loadHanoiReplay } from './hanoi-replay.js';
import { consoleLogger, type SimulatorLogger } from './logger.js';
import { parseStationsFile } from './stations-file.js';

const USAGE =
  'usage: tsx simulators/cli.ts --url mqtt://host:1883 --stations stations.json [--interval-ms N] [--replay-hanoi ID]… [--replay-speed X] [--seed N] [--concurrency N] [--stats-interval-ms N]';

function positiveInt(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new SimulatorError('SIM_ERR_CONFIG_INVALID', `--${name} must be a positive integer, got ${value}\n${USAGE}`);
  return n;
}

/** Parses the CLI, loads profiles, stations and replays, and starts the fleet. */
export async function startCliFleet(argv: readonly string[], logger: SimulatorLogger = consoleLogger): Promise<{ fleet: Fleet; statsIntervalMs: number }> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string' },
      stations: { type: 'string' },
      'interval-ms': { type: 'string' },
      'replay-hanoi': { type: 'string', multiple: true },
      'replay-speed': { type: 'string' },
      seed: { type: 'string' },
      concurrency: { type: 'string' },
      'stats-interval-ms': { type: 'string' },
    },
    strict: true,
  });
  if (!values.url || !values.stations) throw new SimulatorError('SIM_ERR_CONFIG_INVALID', `--url and --stations are required\n${USAGE}`);
  const intervalMs = positiveInt('interval-ms', values['interval-ms']);
  const seed = positiveInt('seed', values.seed, 1) ?? 1;
  const connectConcurrency = positiveInt('concurrency', values.concurrency, 16) ?? 16;
  const statsIntervalMs = positiveInt('stats-interval-ms', values['stats-interval-ms'], 10_000) ?? 10_000;
  const speed = values['replay-speed'] === undefined ? 1 : Number(values['replay-speed']);
  if (!(speed > 0)) throw new SimulatorError('SIM_ERR_CONFIG_INVALID', `--replay-speed must be a positive number`);

  // The platform's own loader: each profile validated against profile.schema.json.
  const profiles = new Map<string, DeviceProfile>([...loadProfiles()].map(([id, loaded]) => [id, loaded.profile]));
  const stations = parseStationsFile(await readFile(values.stations, 'utf8'), profiles, values.stations);
  const replayIds = values['replay-hanoi'] ?? [];
  if (replayIds.length > 0) {
    const source = await loadHanoiReplay({ speed });
    for (const id of replayIds) {
      const s = stations.find((x) => x.id === id);
      if (!s) throw new SimulatorError('SIM_ERR_CONFIG_INVALID', `--replay-hanoi ${id}: no such station in ${values.stations}`);
      s.replay = { source };
    }
  }
  const fleet = createFleet({ url: values.url, stations, seed, connectConcurrency, logger, ...(intervalMs ? { intervalMs } : {}) });
  await fleet.start();
  return { fleet, statsIntervalMs };
}

async function main(): Promise<void> {
  let started: Awaited<ReturnType<typeof startCliFleet>>;
  try {
    started = await startCliFleet(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
    return;
  }
  const { fleet, statsIntervalMs } = started;
  console.log(`simulating ${fleet.ids.length} stations; Ctrl-C to stop`);
  const printer = setInterval(() => console.log(JSON.stringify({ at: new Date().toISOString(), ...fleet.stats() })), statsIntervalMs);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(printer);
    console.log(`${signal}: closing the fleet…`);
    fleet
      .close()
      .then(() => console.log(JSON.stringify({ final: true, ...fleet.stats() })))
      .catch((err: unknown) => {
        console.error('close failed', err);
        process.exitCode = 1;
      });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
