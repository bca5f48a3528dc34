/**
 * `npm start` as a user runs it: the compiled entry point (`node dist/main.js`, built by
 * `npm run build`, which `npm test` runs first) in a child process, on ports 0, with a small
 * simulated fleet publishing over real MQTT connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from './helpers/app.js';
import { environValue } from './helpers/proc-environ.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Started {
  if (!existsSync(MAIN_JS)) throw new Error('dist/main.js is missing: run `npm run build` (npm test does it first)');
  // the operator's MALLOC_ARENA_MAX only when a test sets it (lib/malloc-arenas.ts)
  const inherited = { ...process.env };
  delete inherited.MALLOC_ARENA_MAX;
  const child = spawn(process.execPath, [MAIN_JS], { cwd: ROOT, env: { ...inherited, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number, output: () => string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; output so far:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const running: Started[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) {
    if (s.child.exitCode === null) s.child.kill('SIGKILL');
    await s.exited;
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('npm start', () => {
  it('starts everything, prints where it listens and the admin password, stores simulated readings, and stops cleanly', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    // no history replay or start-up bulletins here: test/first-run.test.ts covers them, and a stop during their catch-up is slow (known issue)
    const s = start({ DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: '3', SIMULATE_INTERVAL_MS: '500', SIMULATE_BACKFILL_HOURS: '0', BULLETIN_ENABLED: 'false' });
    running.push(s);
    const banner = await waitFor('the banner', () => (/Admin login\s+admin \/ (\S+)/.test(s.output()) ? s.output() : undefined), 60_000, s.output);
    const httpPort = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(banner)![1]);
    expect(banner).toMatch(/MQTT\s+mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(banner).toMatch(/MQTT over WS\s+ws:\/\/127\.0\.0\.1:\d+\/mqtt/);
    expect(banner).toMatch(/Simulated fleet\s+3 stations/);
    // glibc's malloc arenas capped at two: the process started again in place with MALLOC_ARENA_MAX=2 (lib/malloc-arenas.ts)
    if (process.platform === 'linux') expect(environValue(s.child.pid!, 'MALLOC_ARENA_MAX')).toBe('2');
    const password = /Admin login\s+admin \/ (\S+)/.exec(banner)![1]!;
    const base = `http://127.0.0.1:${httpPort}`;
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };

    const stations = (await (await fetch(`${base}/api/v1/stations`, { headers: auth })).json()) as { data: Array<{ id: string; simulated: boolean }> };
    expect(stations.data.map((x) => x.id)).toEqual(['SIM-001', 'SIM-002', 'SIM-003']);
    expect(stations.data.every((x) => x.simulated)).toBe(true);

    // every simulated station's readings reach the database through MQTT
    for (const id of ['SIM-001', 'SIM-002', 'SIM-003']) {
      await waitFor(
        `readings of ${id}`,
        async () => {
          const res = (await (await fetch(`${base}/api/v1/stations/${id}/readings`, { headers: auth })).json()) as { data: unknown[] };
          return res.data.length > 0 ? true : undefined;
        },
        20_000,
        s.output,
      );
    }

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it.runIf(process.platform === 'linux')("keeps the operator's MALLOC_ARENA_MAX, glibc's default included", async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const s = start({ DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: '0', BULLETIN_ENABLED: 'false', NODE_RED: 'false', MALLOC_ARENA_MAX: '16' });
    running.push(s);
    await waitFor('the banner', () => (/Quantrac is running/.test(s.output()) ? true : undefined), 60_000, s.output);
    expect(environValue(s.child.pid!, 'MALLOC_ARENA_MAX')).toBe('16');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('refuses to start on bad settings, naming every one', async () => {
    const s = start({ DATA_DIR: tempDataDir(), HTTP_PORT: 'eighty', MQTT_PORT: '70000', LOG_LEVEL: 'loud' });
    running.push(s);
    expect(await s.exited).toBe(1);
    expect(s.output()).toMatch(/Invalid configuration/);
    expect(s.output()).toMatch(/HTTP_PORT: must be integer/);
    expect(s.output()).toMatch(/MQTT_PORT: must be <= 65535/);
    expect(s.output()).toMatch(/LOG_LEVEL: must be equal to one of the allowed values/);
  });
});
