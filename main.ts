/**
 * Quantrac entry point (`npm start`): reads the environment once, starts everything in one
 * process, prints where it listens, and shuts down cleanly on SIGINT/SIGTERM.
 */
import type { Config } from './config/index.js';
import { capMallocArenas } from './lib/malloc-arenas.js';

// first, before the app's modules are loaded: started again in place with glibc's arenas capped
// at two, unless the operator set MALLOC_ARENA_MAX (lib/malloc-arenas.ts)
capMallocArenas(process.env);

const { createApp } = await import('./app.js');
const { configFromEnv } = await import('./config/index.js');
const { isQuantracError } = await import('./lib/errors.js');
const { limitHeapGrowth } = await import('./lib/heap.js');

// the heap grows at most 100 % past what is live, 20 % while that is large or the app is quiet (lib/heap.ts)
const heapGrowth = limitHeapGrowth();

let config: Readonly<Config>;
try {
  config = configFromEnv(process.env);
} catch (err) {
  process.stderr.write(`${isQuantracError(err) ? err.message : String(err)}\n`);
  process.exit(1);
}

const app = await createApp(config, heapGrowth ? { heapGrowth } : {}).catch((err: unknown) => {
  process.stderr.write(`Quantrac failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
const lines = [
  '',
  `Quantrac is running (started in ${app.startupMs} ms)`,
  `  Dashboard & API   ${app.security.tls ? 'https' : 'http'}://${shown}:${app.ports.http}/   (API under /api/v1, health /healthz, metrics /metrics)`,
  `  MQTT              mqtt://${shown}:${app.ports.mqtt}`,
  ...(app.ports.mqttTls ? [`  MQTT over TLS     mqtts://${shown}:${app.ports.mqttTls}`] : []),
  `  MQTT over WS      ${app.security.tls ? 'wss' : 'ws'}://${shown}:${app.ports.http}/mqtt`,
  `  Database          ${app.store.db.mode === 'embedded' ? `embedded TimescaleDB in ${config.dataDir}/pg` : 'DATABASE_URL'}`,
  `  Simulated fleet   ${app.simulation ? `${app.simulation.stationIds.length} stations` : 'off (SIMULATE=0)'}`,
  app.generatedAdminPassword
    ? `  Admin login       admin / ${app.generatedAdminPassword}   (generated now and stored hashed: note it, it is not shown again)`
    : `  Admin login       admin / ${config.adminPassword ? '(ADMIN_PASSWORD)' : '(the password printed at first start)'}`,
  '',
];
process.stdout.write(lines.join('\n') + '\n');

/** How long a clean shutdown may take before the process exits anyway, ms. */
const SHUTDOWN_DEADLINE_MS = 25_000;
let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) {
    process.stderr.write(`${signal} again: exiting without a clean shutdown\n`);
    process.exit(1);
  }
  stopping = true;
  app.logger.info({ signal }, 'shutting down');
  // A shutdown that hangs must still end: after SHUTDOWN_DEADLINE_MS the process exits with 1 (the
  // step it was in is logged by app.close(); a PUBACK not sent yet is resent by its station).
  const deadline = setTimeout(() => {
    app.logger.error({ signal, deadlineMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time: exiting without finishing it');
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  await app.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
